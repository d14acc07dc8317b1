/**
 * V8 flags for the platform's processes on the Node they run on. Node 20's young generation is
 * small and fixed (two 16 MB semi-spaces); Node 22 and later size it from the heap limit. With
 * tracing on, the batch processor holds every span until its batch is sent (up to 512 spans, a
 * fraction of a second in a busy service): in Node 20's young generation they outlive collections
 * and are copied and promoted, work that grows with the traffic. A young generation the size of
 * newer Nodes' lets them die young (the runs are in bench/README.md, "Tracing cost"). Nothing on
 * Node 22 and later, whose own sizing is larger already.
 */
export function youngGenerationFlags(nodeVersion: string = process.versions.node): string[] {
  const major = Number(nodeVersion.split('.')[0]);
  return Number.isInteger(major) && major < 22 ? ['--max-semi-space-size=32'] : [];
}
