import { afterEach, describe, expect, it } from "vitest";
import { closedPortUrl, serve, type TestServer } from "../testing/http-server";
import { fakeJwt } from "../testing/jwt";
import { createApiClient, type TokenOptions } from "./client";

/** A token source that hands out tok-1, tok-2, ... and records how it was asked. */
function tokenSource(tokens: (string | null)[] = ["tok-1", "tok-2", "tok-3"]) {
  const calls: (TokenOptions | undefined)[] = [];
  let next = 0;
  return {
    calls,
    getToken: async (options?: TokenOptions) => {
      calls.push(options);
      return tokens[Math.min(next++, tokens.length - 1)];
    },
  };
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function clientFor(url: string, source = tokenSource()) {
  const signOuts: number[] = [];
  const client = createApiClient({ baseUrl: `${url}/`, getToken: source.getToken, onSignedOut: () => signOuts.push(1) });
  return { client, source, signOuts };
}

describe("createApiClient", () => {
  it("sends the session token as a bearer and returns the JSON body", async () => {
    server = await serve([{ status: 200, json: { user_id: "u1" } }]);
    const { client } = clientFor(server.url);

    const result = await client.request("GET", "/me");

    expect(result).toEqual({ kind: "ok", status: 200, data: { user_id: "u1" } });
    expect(server.received).toHaveLength(1);
    expect(server.received[0].path).toBe("/me");
    expect(server.received[0].headers.authorization).toBe("Bearer tok-1");
  });

  it("sends a JSON body with its content type", async () => {
    server = await serve([{ status: 201, json: { id: "d1" } }]);
    const { client } = clientFor(server.url);

    const result = await client.request("POST", "/documents", { title: "T", body: "B" });

    expect(result).toEqual({ kind: "ok", status: 201, data: { id: "d1" } });
    expect(server.received[0].method).toBe("POST");
    expect(server.received[0].headers["content-type"]).toBe("application/json");
    expect(JSON.parse(server.received[0].body)).toEqual({ title: "T", body: "B" });
  });

  it("treats 204 as success without a body", async () => {
    server = await serve([{ status: 204 }]);
    const { client } = clientFor(server.url);

    expect(await client.request("DELETE", "/documents/d1")).toEqual({ kind: "ok", status: 204, data: undefined });
  });

  it("retries a 401 once with a fresh token and succeeds without signing out", async () => {
    server = await serve([{ status: 401, json: { message: "Unauthorized" } }, { status: 200, json: { items: [] } }]);
    const { client, source, signOuts } = clientFor(server.url);

    const result = await client.request("GET", "/documents");

    expect(result.kind).toBe("ok");
    expect(server.received.map((r) => r.headers.authorization)).toEqual(["Bearer tok-1", "Bearer tok-2"]);
    expect(source.calls).toEqual([undefined, { skipCache: true }]);
    expect(signOuts).toHaveLength(0);
  });

  it("signs out after a second 401 and does not retry a third time", async () => {
    server = await serve([{ status: 401, json: { message: "Unauthorized" } }]);
    const { client, signOuts } = clientFor(server.url);

    const result = await client.request("GET", "/me");

    expect(result).toEqual({ kind: "signed-out" });
    expect(server.received).toHaveLength(2);
    expect(signOuts).toHaveLength(1);
  });

  it("signs out without calling the API when there is no session", async () => {
    server = await serve([{ status: 200, json: {} }]);
    const { client, signOuts } = clientFor(server.url, tokenSource([null]));

    expect(await client.request("GET", "/me")).toEqual({ kind: "signed-out" });
    expect(server.received).toHaveLength(0);
    expect(signOuts).toHaveLength(1);
  });

  it("signs out when the session ends between the 401 and the retry", async () => {
    server = await serve([{ status: 401, json: { message: "Unauthorized" } }]);
    const { client, signOuts } = clientFor(server.url, tokenSource(["tok-1", null]));

    expect(await client.request("GET", "/me")).toEqual({ kind: "signed-out" });
    expect(server.received).toHaveLength(1);
    expect(signOuts).toHaveLength(1);
  });

  it("turns 403 into forbidden with the server's message and does not retry", async () => {
    server = await serve([{ status: 403, json: { message: "User is not authorized to access this resource with an explicit deny" } }]);
    const { client, source, signOuts } = clientFor(server.url);

    const result = await client.request("POST", "/documents", { title: "x", body: "y" });

    expect(result).toEqual({
      kind: "forbidden",
      message: "User is not authorized to access this resource with an explicit deny",
      explanation: null, // "tok-1" carries no claims: nothing better to say than the server
    });
    expect(server.received).toHaveLength(1);
    expect(source.calls).toHaveLength(1);
    expect(signOuts).toHaveLength(0);
  });

  it("explains a gateway 403 from the token it sent, keeping the server's message", async () => {
    server = await serve([{ status: 403, json: { message: "User is not authorized to access this resource with an explicit deny" } }]);
    const noWorkspace = fakeJwt({ sub: "1", organization: "72170190012345601", permissions: { organization: [], workspace: [] } });
    const { client } = clientFor(server.url, tokenSource([noWorkspace]));

    const result = await client.request("GET", "/documents?limit=20");

    expect(result).toEqual({
      kind: "forbidden",
      message: "User is not authorized to access this resource with an explicit deny",
      explanation: "Choose a workspace to see its documents",
    });
  });

  it("asks the injected explainer with the method, path and token of the refused request", async () => {
    server = await serve([{ status: 403, json: { message: "Missing required permission: documents:write" } }]);
    const asked: string[] = [];
    const client = createApiClient({
      baseUrl: server.url,
      getToken: async () => "tok-9",
      onSignedOut: () => undefined,
      explainForbidden: (method, path, token) => {
        asked.push(`${method} ${path} ${token}`);
        return "You need documents:write in this workspace";
      },
    });

    const result = await client.request("POST", "/documents", { title: "x" });

    expect(asked).toEqual(["POST /documents tok-9"]);
    expect(result).toEqual({
      kind: "forbidden",
      message: "Missing required permission: documents:write",
      explanation: "You need documents:write in this workspace",
    });
  });

  it("turns 404 into not-found", async () => {
    server = await serve([{ status: 404, json: { message: "document not found" } }]);
    const { client } = clientFor(server.url);

    expect(await client.request("GET", "/documents/gone")).toEqual({ kind: "not-found", message: "document not found" });
  });

  it("surfaces a 5xx as an error, never as a sign-out", async () => {
    server = await serve([{ status: 503, json: { message: "keys unavailable" } }]);
    const { client, signOuts } = clientFor(server.url);

    expect(await client.request("GET", "/me")).toEqual({ kind: "error", status: 503, message: "keys unavailable" });
    expect(server.received).toHaveLength(1);
    expect(signOuts).toHaveLength(0);
  });

  it("falls back to the status line when an error body is not JSON", async () => {
    server = await serve([{ status: 502, text: "<html>Bad Gateway</html>" }]);
    const { client } = clientFor(server.url);

    expect(await client.request("GET", "/me")).toEqual({ kind: "error", status: 502, message: "HTTP 502 Bad Gateway" });
  });

  it("reports a success body that is not JSON as an error", async () => {
    server = await serve([{ status: 200, text: "not json" }]);
    const { client } = clientFor(server.url);

    const result = await client.request("GET", "/me");

    expect(result.kind).toBe("error");
  });

  it("surfaces a network failure as an error, never as a sign-out", async () => {
    const { client, signOuts } = clientFor(await closedPortUrl());

    const result = await client.request("GET", "/me");

    expect(result.kind).toBe("error");
    expect(result.kind === "error" && result.status).toBeNull();
    expect(signOuts).toHaveLength(0);
  });

  it("surfaces a failing token source as an error, never as a sign-out", async () => {
    server = await serve([{ status: 200, json: {} }]);
    const signOuts: number[] = [];
    const client = createApiClient({
      baseUrl: server.url,
      getToken: async () => {
        throw new Error("identity provider down");
      },
      onSignedOut: () => signOuts.push(1),
    });

    const result = await client.request("GET", "/me");

    expect(result).toEqual({ kind: "error", status: null, message: "The API could not be reached (identity provider down)." });
    expect(server.received).toHaveLength(0);
    expect(signOuts).toHaveLength(0);
  });
});
