/**
 * V8 flags for the platform's processes on the Node they run on. On Node 20 the young generation
 * is 32 MB (two 16 MB semi-spaces); Node 22 and later size it from the heap limit (128 MB on this
 * machine's 4 GB one). With tracing on, the batch processor holds every span until its batch is
 * sent (up to 512 spans, about half a second in a busy service): in Node 20's small young
 * generation they outlived collections and were copied and promoted. Full sampling cost +24% CPU per
 * createOrder without the flag and +3% with it in one run side by side; +18% and +13% in two
 * five-round runs (bench/README.md, "Tracing cost"). Nothing on Node 22 and later, whose own sizing
 * is larger already.
 */
export function youngGenerationFlags(nodeVersion: string = process.versions.node): string[] {
  const major = Number(nodeVersion.split('.')[0]);
  return Number.isInteger(major) && major < 22 ? ['--max-semi-space-size=32'] : [];
}
