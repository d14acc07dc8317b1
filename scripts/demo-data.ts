/** The demo catalog `npm start` and `npm run seed` load: varied names, scripts, prices and stock. */
export interface DemoProduct {
  readonly name: string;
  readonly description: string;
  /** Price in minor units of the store currency (USD by default). */
  readonly priceMinor: number;
  readonly stock: number;
}

const rows: ReadonlyArray<readonly [string, string, number, number]> = [
  ['Aurora Laptop 14', 'A light 14-inch laptop with a 12-hour battery and a matte display.', 109_900, 25],
  ['Aurora Laptop 16 Pro', 'A 16-inch laptop for creative work: fast GPU, colour-accurate screen.', 219_900, 10],
  ['Laptop Sleeve, Felt', 'Wool felt sleeve that fits most 13 to 14 inch laptops.', 3_900, 120],
  ['Mechanical Keyboard', 'Tenkeyless keyboard with hot-swappable switches and PBT keycaps.', 12_900, 40],
  ['Wireless Mouse', 'Quiet clicks, USB-C charging, three devices at once.', 4_990, 80],
  ['USB-C Hub, 7 ports', 'HDMI 4K, two USB-A, SD and microSD readers, 100 W pass-through.', 5_999, 60],
  ['27" 4K Monitor', 'IPS panel, USB-C with 65 W charging, height-adjustable stand.', 44_900, 15],
  ['Noise-Cancelling Headphones', 'Over-ear, 30-hour battery, folds flat for travel.', 29_900, 30],
  ['True Wireless Earbuds', 'Small earbuds with a pocketable charging case.', 8_900, 75],
  ['Smartphone Stand', 'Aluminium stand, adjustable angle, works with cases.', 1_999, 200],
  ['Espresso Machine', 'Pump espresso machine with a steam wand for milk drinks.', 34_900, 12],
  ['Burr Coffee Grinder', 'Conical burrs, 40 grind settings from espresso to French press.', 14_900, 20],
  ['Pour-Over Kettle', 'Gooseneck kettle with temperature control.', 7_900, 35],
  ['Ceramic Mug, 350 ml', 'Stoneware mug, dishwasher safe.', 1_250, 300],
  ['Single-Origin Coffee Beans, 1 kg', 'Washed Ethiopian beans with notes of jasmine and lemon.', 3_400, 90],
  ['Matcha Tea Set', 'Bamboo whisk, scoop and a bowl for ceremonial matcha.', 4_500, 25],
  ['抹茶 (Matcha) 30 g', 'Ceremonial grade matcha from Uji, Kyoto.', 2_800, 60],
  ['Chef’s Knife 20 cm', 'Forged stainless steel, balanced for everyday cutting.', 8_900, 30],
  ['Cast Iron Skillet 26 cm', 'Pre-seasoned skillet that lasts for generations.', 4_900, 40],
  ['Cutting Board, Walnut', 'End-grain walnut board, gentle on knives.', 6_900, 18],
  ['Running Shoes', 'Cushioned daily trainers with a breathable mesh upper.', 12_000, 50],
  ['Trail Running Shoes', 'Grippy outsole and a rock plate for rough trails.', 13_500, 30],
  ['Yoga Mat', 'Non-slip natural rubber mat, 4 mm.', 6_800, 45],
  ['Water Bottle, 750 ml', 'Insulated steel bottle keeps drinks cold for 24 hours.', 2_900, 150],
  ['Backpack 22 L', 'Water-resistant daypack with a laptop compartment.', 8_900, 35],
  ['Rain Jacket', 'Packable waterproof jacket with taped seams.', 15_900, 25],
  ['Merino Wool Socks', 'Three pairs of cushioned merino hiking socks.', 2_400, 120],
  ['Wool Beanie', 'Soft ribbed beanie in recycled wool.', 2_200, 80],
  ['Desk Lamp', 'LED desk lamp with warm-to-cool light and a USB port.', 5_900, 40],
  ['Standing Desk', 'Electric sit-stand desk with memory presets.', 49_900, 8],
  ['Ergonomic Office Chair', 'Adjustable lumbar support, armrests and seat depth.', 39_900, 10],
  ['Notebook, Dotted A5', 'Lay-flat notebook with 160 pages of dotted paper.', 1_800, 250],
  ['Fountain Pen', 'Steel nib fountain pen with a converter.', 3_500, 60],
  ['Mechanical Pencil 0.5', 'Metal-bodied drafting pencil.', 1_200, 140],
  ['Bookshelf Speaker Pair', 'Passive two-way speakers for a small room.', 24_900, 12],
  ['Turntable', 'Belt-drive turntable with a built-in phono preamp.', 27_900, 9],
  ['E-Reader', 'Glare-free 7-inch display, weeks of battery.', 13_900, 30],
  ['Board Game: Trains', 'A route-building game for 2 to 5 players.', 4_499, 40],
  ['Jigsaw Puzzle, 1000 pieces', 'A mountain lake at dawn.', 1_999, 60],
  ['Houseplant: Monstera', 'Monstera deliciosa in a 17 cm nursery pot.', 3_200, 20],
  ['Plant Pot, Terracotta', 'Hand-thrown terracotta pot with a saucer.', 1_600, 90],
  ['Scented Candle', 'Soy wax candle, cedar and fig, 50 hours.', 2_600, 70],
  ['Linen Bed Sheets', 'Stonewashed linen sheet set, queen size.', 18_900, 15],
  ['Bath Towel Set', 'Four organic cotton towels.', 5_400, 40],
  ['Café au lait Bowl', 'Large French-style bowl for coffee or soup.', 1_450, 80],
  ['Crème brûlée Torch', 'Refillable kitchen torch with a safety lock.', 2_950, 25],
  ['Ελληνικό Μέλι (Greek Honey) 450 g', 'Thyme honey from Crete.', 1_590, 50],
  ['Gift Card', 'A gift card for anything in the shop.', 2_500, 1_000],
  ['Sticker Pack', 'Ten vinyl stickers. Free with any order, or buy more.', 0, 500],
  ['Limited Edition Print', 'Signed and numbered art print — only a few left.', 15_000, 3],
];

export const demoProducts: readonly DemoProduct[] = rows.map(([name, description, priceMinor, stock]) => ({
  name,
  description,
  priceMinor,
  stock,
}));
