/**
 * A real HTTP server on 127.0.0.1 for unit tests: each test scripts the answers and
 * reads back what arrived, so the client is exercised through real fetch, not a stub.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface Answer {
  readonly status: number;
  readonly json?: unknown;
  readonly text?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface TestServer {
  readonly url: string;
  readonly received: Received[];
  close(): Promise<void>;
}

/** Answers requests in order from `answers` (the last one repeats), or with what `answers(request)` resolves to. */
export async function serve(answers: Answer[] | ((request: Received) => Answer | Promise<Answer>)): Promise<TestServer> {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", async () => {
      const seen: Received = {
        method: request.method ?? "",
        path: request.url ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      received.push(seen);
      const answer = typeof answers === "function" ? await answers(seen) : answers[Math.min(received.length, answers.length) - 1];
      if (answer.json !== undefined) {
        response.writeHead(answer.status, { "Content-Type": "application/json", ...answer.headers });
        response.end(JSON.stringify(answer.json));
      } else {
        response.writeHead(answer.status, answer.headers);
        response.end(answer.text ?? "");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A port that was free a moment ago and now has nothing listening: connections are refused. */
export async function closedPortUrl(): Promise<string> {
  const server = await serve([{ status: 200 }]);
  await server.close();
  return server.url;
}
