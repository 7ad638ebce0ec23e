/**
 * Rendering React into jsdom for tests, with no testing library: mount, poll until the page
 * shows what the test waits for (React renders on its own schedule, the servers answer on theirs),
 * click, unmount.
 */
import type { ReactNode } from "react";
import { createRoot } from "react-dom/client";

export interface Rendered {
  readonly container: HTMLElement;
  /** The element with `data-testid`, or null. */
  byTestId(id: string): HTMLElement | null;
  unmount(): void;
}

export function render(node: ReactNode): Rendered {
  const container = document.createElement("div");
  document.body.append(container);
  const root = createRoot(container);
  root.render(node);
  return {
    container,
    byTestId: (id) => container.querySelector<HTMLElement>(`[data-testid="${id}"]`),
    unmount() {
      root.unmount();
      container.remove();
    },
  };
}

/** Retries `check` until it returns without throwing (and not false), at most `timeoutMs`. */
export async function waitFor<T>(check: () => T, timeoutMs = 3000): Promise<Exclude<T, false>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let failure: unknown = new Error("waitFor: the check returned false");
    try {
      const result = check();
      if (result !== false) return result as Exclude<T, false>;
    } catch (error) {
      failure = error;
    }
    if (Date.now() > deadline) throw failure;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The button whose text is `label`; throws when there is none. */
export function button(container: HTMLElement, label: string): HTMLButtonElement {
  const found = [...container.querySelectorAll("button")].find((b) => b.textContent?.trim() === label);
  if (!found) throw new Error(`no button "${label}" in: ${container.textContent}`);
  return found;
}

export function click(element: HTMLElement): void {
  element.dispatchEvent(new MouseEvent("click", { bubbles: true }));
}
