/**
 * Resolves once `condition` holds, checking it every `every` ms; rejects after `timeout` ms with an error
 * saying what was awaited (`what` may be a function, to describe the state at that moment). The tests'
 * one way to wait on a real condition with a deadline, instead of sleeping.
 */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  what: string | (() => string),
  timeout = 10_000,
  every = 10,
): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`still waiting after ${timeout} ms for ${typeof what === 'function' ? what() : what}`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}
