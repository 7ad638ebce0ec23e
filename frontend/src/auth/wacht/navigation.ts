/**
 * The navigation seam `@wacht/jsx` asks of an app with no router (Wacht's "React (router-agnostic)"
 * guide): a `PlatformAdapter` whose `useNavigate()` returns a function the SDK calls to send the
 * browser to its hosted pages (sign-in, and the deployment's after-sign-out pages).
 *
 * This app routes with the URL hash and every SDK destination is another page, so a full browser
 * navigation is right. The URLs come from the deployment's settings; anything that is not http(s)
 * (a `javascript:` URL, say) is refused rather than followed.
 */
import type { NavigateOptions, PlatformAdapter } from "@wacht/jsx";

/** Goes to `url`; `replace` keeps the page being left out of the history (the SDK's auth redirects ask for it). */
export type Navigate = (url: string, options: { readonly replace: boolean }) => void;

export const navigateInBrowser: Navigate = (url, { replace }) => {
  if (replace) window.location.replace(url);
  else window.location.assign(url);
};

export function browserNavigationAdapter(navigate: Navigate): PlatformAdapter {
  const go = (to: string, options?: NavigateOptions) => {
    const url = navigableUrl(to, window.location.href);
    if (url) navigate(url, { replace: options?.replace ?? false });
  };
  // Called by the SDK as a hook; it needs no React state, so it hands back the same function.
  return { useNavigate: () => go };
}

/** `to` resolved against `base` when it is an http(s) URL, else null. */
export function navigableUrl(to: string, base: string): string | null {
  let url: URL;
  try {
    url = new URL(to.trim(), base);
  } catch {
    return null;
  }
  return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
}
