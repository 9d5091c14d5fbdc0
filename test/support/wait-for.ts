// Polls `probe` until it yields a value (errors count as "not yet"), for tests that wait on
// real servers and processes; the timeout names what never arrived.
export async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 240_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}
