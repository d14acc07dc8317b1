/** The harness's progress lines, stamped with the time of day. */
export const log = (message: string) => process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

/** KiB to MiB, one decimal. */
export const mib = (kib: number) => Math.round((kib / 1024) * 10) / 10;
