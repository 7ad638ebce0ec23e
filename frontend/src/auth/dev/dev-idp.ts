/**
 * Client for the local stack's development identity provider (`local_stack`): it lists
 * personas and mints session tokens signed with the stack's dev key. Development only;
 * in production, Wacht's frontend API issues the tokens.
 */
import type { Permissions } from "../permissions";

export interface PersonaWorkspace {
  readonly id: string;
  readonly name: string;
  readonly permissions: string[];
}

export interface PersonaOrganization {
  readonly id: string;
  readonly name: string;
  readonly permissions: string[];
  readonly workspaces: PersonaWorkspace[];
}

export interface Persona {
  readonly id: string;
  readonly name: string;
  readonly user_id: string;
  readonly email: string;
  readonly organizations: PersonaOrganization[];
}

export interface MintRequest {
  readonly sub: string;
  readonly sid: string;
  readonly organization: string | null;
  readonly workspace: string | null;
  readonly permissions: Permissions;
  readonly expiresInSeconds: number;
}

export interface DevIdp {
  personas(): Promise<Persona[]>;
  mint(request: MintRequest): Promise<string>;
}

export class DevIdpError extends Error {}

export function createDevIdp(baseUrl: string, fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis)): DevIdp {
  const base = baseUrl.replace(/\/+$/, "");

  async function json(path: string, init?: RequestInit): Promise<unknown> {
    let response: Response;
    try {
      response = await fetchImpl(`${base}${path}`, init);
    } catch (error) {
      throw new DevIdpError(`The dev identity provider at ${base} could not be reached (${String(error)}).`);
    }
    if (!response.ok) throw new DevIdpError(`The dev identity provider answered ${path} with HTTP ${response.status}.`);
    return response.json();
  }

  return {
    async personas() {
      const body = (await json("/personas")) as { personas?: Persona[] };
      if (!Array.isArray(body.personas)) throw new DevIdpError("The dev identity provider sent no persona list.");
      return body.personas;
    },
    async mint(request) {
      const claims: Record<string, unknown> = {
        sub: request.sub,
        sid: request.sid,
        permissions: { organization: [...request.permissions.organization], workspace: [...request.permissions.workspace] },
        expires_in: request.expiresInSeconds,
      };
      if (request.organization) claims.organization = request.organization;
      if (request.workspace) claims.workspace = request.workspace;
      const body = (await json("/tokens", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(claims),
      })) as { token?: unknown };
      if (typeof body.token !== "string") throw new DevIdpError("The dev identity provider sent no token.");
      return body.token;
    },
  };
}
