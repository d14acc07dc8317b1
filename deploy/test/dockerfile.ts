/*
 * A reader for the subset of Dockerfile syntax deploy/Dockerfile uses, so the tests can run the
 * image's own steps (its RUN commands, the files its runtime stage copies, each target's ENV,
 * CMD and HEALTHCHECK) instead of a second description of them that could drift. Anything outside
 * the subset is an error, not a guess: extend this reader when the Dockerfile needs more.
 */

export interface Instruction {
  readonly keyword: string;
  /** The arguments as written, continuation lines joined. */
  readonly args: string;
  /** 1-based line where the instruction starts. */
  readonly line: number;
}

export interface Stage {
  readonly name: string;
  /** The FROM image or earlier stage, with ${ARG}s resolved. */
  readonly base: string;
  readonly instructions: readonly Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  readonly globalArgs: ReadonlyMap<string, string>;
  readonly stages: readonly Stage[];
}

export interface Copy {
  /** The stage copied from, or undefined for the build context. */
  readonly from: string | undefined;
  readonly sources: readonly string[];
  readonly destination: string;
}

export interface Healthcheck {
  readonly options: ReadonlyMap<string, string>;
  readonly command: readonly string[];
}

const KNOWN = new Set(['FROM', 'ARG', 'ENV', 'WORKDIR', 'COPY', 'RUN', 'USER', 'ENTRYPOINT', 'CMD', 'EXPOSE', 'HEALTHCHECK']);

/** Splits into instructions: drops comments and blank lines, joins `\` continuations. */
export function instructionsOf(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim();
    // A comment line inside a continuation is skipped too, as Docker does.
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const continues = trimmed.endsWith('\\');
    const part = continues ? trimmed.slice(0, -1).trim() : trimmed;
    pending = pending === undefined ? { text: part, line: index + 1 } : { text: `${pending.text} ${part}`, line: pending.line };
    if (continues) return;
    const match = /^(\S+)\s*(.*)$/.exec(pending.text);
    if (match === null) throw new Error(`line ${pending.line}: cannot read ${pending.text}`);
    const keyword = (match[1] ?? '').toUpperCase();
    if (!KNOWN.has(keyword)) throw new Error(`line ${pending.line}: ${keyword} is not supported by this reader`);
    instructions.push({ keyword, args: match[2] ?? '', line: pending.line });
    pending = undefined;
  });
  if (pending !== undefined) throw new Error(`line ${pending.line}: continuation never ends`);
  return instructions;
}

export function parseDockerfile(text: string): Dockerfile {
  const globalArgs = new Map<string, string>();
  const stages: Array<{ name: string; base: string; instructions: Instruction[] }> = [];
  for (const instruction of instructionsOf(text)) {
    if (instruction.keyword === 'FROM') {
      const match = /^(\S+)\s+AS\s+([a-z0-9][a-z0-9_.-]*)$/i.exec(instruction.args);
      if (match === null) throw new Error(`line ${instruction.line}: every stage must be named (FROM image AS name)`);
      const base = (match[1] ?? '').replace(/\$\{(\w+)\}/g, (_all, name: string) => {
        const value = globalArgs.get(name);
        if (value === undefined) throw new Error(`line ${instruction.line}: ARG ${name} has no default`);
        return value;
      });
      stages.push({ name: (match[2] ?? '').toLowerCase(), base, instructions: [] });
      continue;
    }
    const current = stages.at(-1);
    if (current === undefined) {
      if (instruction.keyword !== 'ARG') throw new Error(`line ${instruction.line}: only ARG may come before FROM`);
      const match = /^(\w+)=(\S+)$/.exec(instruction.args);
      if (match === null) throw new Error(`line ${instruction.line}: a global ARG needs a default (ARG NAME=value)`);
      globalArgs.set(match[1] ?? '', match[2] ?? '');
      continue;
    }
    current.instructions.push(instruction);
  }
  const names = stages.map((stage) => stage.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate !== undefined) throw new Error(`stage ${duplicate} is defined twice`);
  return { globalArgs, stages };
}

export function stage(file: Dockerfile, name: string): Stage {
  const found = file.stages.find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`no stage named ${name}`);
  return found;
}

/** The stage and the earlier stages it is built FROM, nearest first. */
export function lineage(file: Dockerfile, name: string): Stage[] {
  const chain: Stage[] = [];
  for (let current: Stage | undefined = stage(file, name); current !== undefined; ) {
    chain.push(current);
    const base: string = current.base;
    current = file.stages.find((candidate) => candidate.name === base);
  }
  return chain;
}

/** The environment a stage's processes start with: its ENVs over those of the stages it builds on. */
export function stageEnv(file: Dockerfile, name: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const current of lineage(file, name).reverse()) {
    for (const instruction of current.instructions) {
      if (instruction.keyword !== 'ENV') continue;
      for (const pair of instruction.args.split(/\s+/)) {
        const match = /^(\w+)=(\S*)$/.exec(pair);
        if (match === null) throw new Error(`line ${instruction.line}: ENV must be NAME=value pairs without quotes or spaces`);
        env[match[1] ?? ''] = match[2] ?? '';
      }
    }
  }
  return env;
}

function jsonArray(instruction: Instruction, text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`line ${instruction.line}: ${instruction.keyword} must use the exec (JSON array) form`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((item): item is string => typeof item === 'string')) {
    throw new Error(`line ${instruction.line}: ${instruction.keyword} must be a non-empty JSON array of strings`);
  }
  return parsed;
}

/** The last instruction of a kind in the stage or, failing that, in the stages it builds on. */
function inherited(file: Dockerfile, name: string, keyword: string): Instruction | undefined {
  for (const current of lineage(file, name)) {
    const found = current.instructions.filter((instruction) => instruction.keyword === keyword).at(-1);
    if (found !== undefined) return found;
  }
  return undefined;
}

export function command(file: Dockerfile, name: string, keyword: 'CMD' | 'ENTRYPOINT'): string[] | undefined {
  const instruction = inherited(file, name, keyword);
  return instruction === undefined ? undefined : jsonArray(instruction, instruction.args);
}

export function healthcheck(file: Dockerfile, name: string): Healthcheck | undefined {
  const instruction = inherited(file, name, 'HEALTHCHECK');
  if (instruction === undefined) return undefined;
  const match = /^((?:--[a-z-]+=\S+\s+)*)CMD\s+(\[.*\])$/.exec(instruction.args);
  if (match === null) throw new Error(`line ${instruction.line}: HEALTHCHECK must be [--option=value ...] CMD [json array]`);
  const options = new Map<string, string>();
  for (const option of (match[1] ?? '').trim().split(/\s+/).filter(Boolean)) {
    const [key, value] = option.slice(2).split('=', 2);
    options.set(key ?? '', value ?? '');
  }
  return { options, command: jsonArray(instruction, match[2] ?? '') };
}

export function copies(target: Stage): Copy[] {
  return target.instructions
    .filter((instruction) => instruction.keyword === 'COPY')
    .map((instruction) => {
      const words = instruction.args.split(/\s+/);
      let from: string | undefined;
      const paths: string[] = [];
      for (const word of words) {
        if (word.startsWith('--from=')) from = word.slice('--from='.length);
        else if (word.startsWith('--')) throw new Error(`line ${instruction.line}: COPY option ${word} is not supported by this reader`);
        else paths.push(word);
      }
      const destination = paths.pop();
      if (destination === undefined || paths.length === 0) throw new Error(`line ${instruction.line}: COPY needs a source and a destination`);
      return { from, sources: paths, destination };
    });
}

/** A stage's RUN commands as a shell would get them, BuildKit's --mount options removed. */
export function runs(target: Stage): string[] {
  return target.instructions
    .filter((instruction) => instruction.keyword === 'RUN')
    .map((instruction) => instruction.args.replace(/^(?:--mount=\S+\s+)+/, ''));
}
