import { describe, expect, it } from "vitest";
import { configFrom } from "./config";

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
