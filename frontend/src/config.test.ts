import { describe, expect, it } from "vitest";
import { configFrom, wachtPublishableKeyFrom } from "./config";

describe("configFrom", () => {
  it("defaults to the local stack", () => {
    expect(configFrom({})).toEqual({ apiUrl: "http://127.0.0.1:3000", devIdpUrl: "http://127.0.0.1:3001" });
  });

  it("takes the deployed API URL without a trailing slash", () => {
    const config = configFrom({ VITE_API_URL: " https://abc.execute-api.eu-west-1.amazonaws.com/Prod/ ", VITE_DEV_IDP_URL: "" });

    expect(config.apiUrl).toBe("https://abc.execute-api.eu-west-1.amazonaws.com/Prod");
    expect(config.devIdpUrl).toBe("http://127.0.0.1:3001");
  });
});

describe("wachtPublishableKeyFrom", () => {
  it("takes VITE_WACHT_PUBLISHABLE_KEY, the name in Wacht's React guides", () => {
    expect(wachtPublishableKeyFrom({ VITE_WACHT_PUBLISHABLE_KEY: " pk_live_aHR0cHM6Ly9mcm9udGVuZC5leGFtcGxlLmNvbQ== " })).toBe(
      "pk_live_aHR0cHM6Ly9mcm9udGVuZC5leGFtcGxlLmNvbQ==",
    );
    expect(wachtPublishableKeyFrom({ VITE_WACHT_PUBLISHABLE_KEY: "pk_test_abc" })).toBe("pk_test_abc");
  });

  it("names the variable when it is missing", () => {
    expect(() => wachtPublishableKeyFrom({})).toThrow("Set VITE_WACHT_PUBLISHABLE_KEY");
  });

  it("refuses a value that is not a publishable key, a backend secret above all", () => {
    for (const value of ["sk_live_abc", "pk_prod_abc", "pk_live_", "https://abc.fapi.trywacht.xyz"]) {
      expect(() => wachtPublishableKeyFrom({ VITE_WACHT_PUBLISHABLE_KEY: value })).toThrow("must be your deployment's publishable key");
    }
  });

  it("tells a reader of the older docs to rename VITE_WACHT_PUBLIC_KEY", () => {
    expect(() => wachtPublishableKeyFrom({ VITE_WACHT_PUBLIC_KEY: "pk_test_abc" })).toThrow(
      "Rename VITE_WACHT_PUBLIC_KEY to VITE_WACHT_PUBLISHABLE_KEY",
    );
  });
});
