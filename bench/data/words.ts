// Vocabulary of the seeded catalog. Names are "<adjective> <material> <noun>" and descriptions
// mention other words, so a search for a noun matches a few percent of the catalog through names
// (rank weight A) and about as many through descriptions (weight B): real ranking work, as a
// shop's search box gets. Lower-case ASCII only, because these are embedded in SQL text.

export const ADJECTIVES = [
  'sturdy', 'elegant', 'compact', 'vintage', 'modern', 'rustic', 'classic', 'sleek', 'cozy', 'bold',
  'handmade', 'portable', 'foldable', 'premium', 'everyday', 'minimal', 'bright', 'quiet', 'durable', 'gentle',
  'heavy', 'light', 'tall', 'round', 'square', 'slim', 'deluxe', 'simple', 'soft', 'smart',
] as const;

export const MATERIALS = [
  'oak', 'walnut', 'bamboo', 'steel', 'brass', 'copper', 'ceramic', 'glass', 'linen', 'wool',
  'cotton', 'leather', 'marble', 'concrete', 'rattan', 'pine', 'velvet', 'aluminium', 'stoneware', 'cork',
] as const;

export const NOUNS = [
  'lamp', 'chair', 'table', 'mug', 'kettle', 'blanket', 'shelf', 'vase', 'clock', 'mirror',
  'bowl', 'stool', 'desk', 'rug', 'pillow', 'basket', 'bench', 'cabinet', 'candle', 'frame',
  'teapot', 'plate', 'jar', 'tray', 'sofa', 'bed', 'wardrobe', 'hook', 'planter', 'speaker',
  'radio', 'notebook', 'pen', 'backpack', 'wallet', 'scarf', 'umbrella', 'towel', 'apron', 'knife',
] as const;

export const COLOURS = ['black', 'white', 'grey', 'navy', 'olive', 'sand', 'rust', 'teal', 'ochre', 'plum'] as const;

export const ROOMS = ['kitchen', 'hallway', 'bedroom', 'study', 'garden', 'studio', 'office', 'nursery'] as const;

export const FIRST_NAMES = [
  'Ada', 'Ben', 'Chloe', 'Dmitri', 'Elif', 'Farah', 'Gustav', 'Hana', 'Ines', 'Jonas',
  'Kwame', 'Lena', 'Mateo', 'Noor', 'Oskar', 'Priya', 'Quinn', 'Rosa', 'Sven', 'Tomoko',
] as const;

export const LAST_NAMES = [
  'Adeyemi', 'Berg', 'Costa', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Hansen', 'Ivanova', 'Jensen',
  'Kim', 'Larsen', 'Moreau', 'Nakamura', 'Okafor', 'Petrov', 'Rossi', 'Silva', 'Tanaka', 'Weber',
] as const;

/** The common words the search scenario looks for, in turn: nouns, so each matches names and descriptions. */
export const SEARCH_WORDS = ['lamp', 'chair', 'mug', 'blanket', 'vase', 'desk', 'basket', 'candle'] as const;

/** A SQL array literal of safe words: ARRAY['a', 'b']. */
export function sqlWordArray(words: readonly string[]): string {
  for (const word of words) {
    if (!/^[A-Za-z]+$/.test(word)) throw new Error(`word ${JSON.stringify(word)} is not plain ASCII letters`);
  }
  return `array[${words.map((word) => `'${word}'`).join(', ')}]`;
}
