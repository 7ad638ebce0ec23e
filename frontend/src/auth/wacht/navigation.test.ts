// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { browserNavigationAdapter, navigableUrl } from "./navigation";

const base = "http://localhost:5173/#/documents";

describe("navigableUrl", () => {
  it("keeps http(s) URLs and resolves paths against the page", () => {
    expect(navigableUrl("https://accounts.example.com/sign-in?redirect_uri=x", base)).toBe(
      "https://accounts.example.com/sign-in?redirect_uri=x",
    );
    expect(navigableUrl("/signed-out", base)).toBe("http://localhost:5173/signed-out");
    expect(navigableUrl("//accounts.example.com/sign-in", base)).toBe("http://accounts.example.com/sign-in");
  });

  it.each(["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:x", "file:///etc/passwd"])(
    "refuses %s",
    (to) => {
      expect(navigableUrl(to, base)).toBeNull();
    },
  );

  it("refuses what is not a URL at all", () => {
    expect(navigableUrl("http://", base)).toBeNull();
  });
});

describe("browserNavigationAdapter", () => {
  it("hands the SDK a navigate that passes replace through and never follows an unsafe URL", () => {
    const calls: { url: string; replace: boolean }[] = [];
    const adapter = browserNavigationAdapter((url, { replace }) => calls.push({ url, replace }));
    const navigate = adapter.useNavigate()!;

    navigate("https://accounts.example.com/sign-in", { replace: true });
    navigate("https://example.com/after-sign-out");
    navigate("javascript:alert(1)", { replace: true });

    expect(calls).toEqual([
      { url: "https://accounts.example.com/sign-in", replace: true },
      { url: "https://example.com/after-sign-out", replace: false },
    ]);
  });
});
