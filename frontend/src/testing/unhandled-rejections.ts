/**
 * Promise rejections nobody handled: a component that drops a failed request's promise shows no
 * error on the page, so a test that cares watches Node's `unhandledRejection` while it runs.
 */
export async function withUnhandledRejections(body: (unhandled: readonly unknown[]) => Promise<void>): Promise<void> {
  const unhandled: unknown[] = [];
  const record = (reason: unknown) => unhandled.push(reason);
  process.on("unhandledRejection", record);
  try {
    await body(unhandled);
  } finally {
    process.off("unhandledRejection", record);
  }
}
