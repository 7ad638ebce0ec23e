/**
 * The development token source: one persona's session, with an active organization and
 * workspace, minting tokens from the dev identity provider. It behaves like the Wacht SDK's
 * `getToken`: a token is cached until its `exp` (by this browser's clock), concurrent callers
 * share one fetch, `skipCache` forces a new token, and switching tenancy starts from an empty
 * cache (here: a new source), so the next request carries the new ids.
 */
import type { TokenOptions } from "../../api/client";
import { unverifiedClaims } from "../claims";
import { NO_PERMISSIONS, type Permissions } from "../permissions";
import type { DevIdp, Persona, PersonaOrganization } from "./dev-idp";

export interface Selection {
  readonly organizationId: string | null;
  readonly workspaceId: string | null;
}

export interface DevSessionOptions {
  readonly sessionId: string;
  readonly lifetimeSeconds: number;
  /** Milliseconds since the epoch; injectable so tests drive time. */
  readonly clock?: () => number;
}

export const DEFAULT_TOKEN_LIFETIME_SECONDS = 300;

export class DevTokenSource {
  readonly selection: Selection;
  private cached: { token: string; expiresAtMs: number } | null = null;
  private pending: Promise<string> | null = null;

  constructor(
    private readonly idp: DevIdp,
    readonly persona: Persona,
    readonly options: DevSessionOptions,
    selection?: Selection,
  ) {
    this.selection = selection ? validSelection(persona, selection) : defaultSelection(persona);
  }

  get organization(): PersonaOrganization | null {
    return this.persona.organizations.find((o) => o.id === this.selection.organizationId) ?? null;
  }

  /** What the minted tokens carry: the persona's permissions in the active tenancy. */
  get permissions(): Permissions {
    const organization = this.organization;
    if (!organization) return NO_PERMISSIONS;
    const workspace = organization.workspaces.find((w) => w.id === this.selection.workspaceId);
    return { organization: organization.permissions, workspace: workspace?.permissions ?? [] };
  }

  async getToken(options?: TokenOptions): Promise<string> {
    const now = (this.options.clock ?? Date.now)();
    if (!options?.skipCache && this.cached && this.cached.expiresAtMs > now) return this.cached.token;
    if (!this.pending) {
      this.pending = this.mint().finally(() => {
        this.pending = null;
      });
    }
    return this.pending;
  }

  /** A new source for another organization (its first workspace), with an empty token cache. */
  withOrganization(organizationId: string): DevTokenSource {
    const organization = this.persona.organizations.find((o) => o.id === organizationId);
    if (!organization) throw new Error(`${this.persona.name} is not a member of organization ${organizationId}`);
    return new DevTokenSource(this.idp, this.persona, this.options, {
      organizationId,
      workspaceId: organization.workspaces[0]?.id ?? null,
    });
  }

  /** A new source for another workspace of the active organization, with an empty token cache. */
  withWorkspace(workspaceId: string): DevTokenSource {
    if (!this.organization?.workspaces.some((w) => w.id === workspaceId)) {
      throw new Error(`${this.persona.name} is not a member of workspace ${workspaceId}`);
    }
    return new DevTokenSource(this.idp, this.persona, this.options, { ...this.selection, workspaceId });
  }

  private async mint(): Promise<string> {
    const token = await this.idp.mint({
      sub: this.persona.user_id,
      sid: this.options.sessionId,
      organization: this.selection.organizationId,
      workspace: this.selection.workspaceId,
      permissions: this.permissions,
      expiresInSeconds: this.options.lifetimeSeconds,
    });
    const expiresAtMs = unverifiedClaims(token)?.expiresAtMs ?? null;
    this.cached = expiresAtMs === null ? null : { token, expiresAtMs };
    return token;
  }
}

function defaultSelection(persona: Persona): Selection {
  const organization = persona.organizations[0];
  return { organizationId: organization?.id ?? null, workspaceId: organization?.workspaces[0]?.id ?? null };
}

/** A stored selection the persona no longer has falls back to the default one. */
function validSelection(persona: Persona, selection: Selection): Selection {
  const organization = persona.organizations.find((o) => o.id === selection.organizationId);
  if (!organization) return defaultSelection(persona);
  const workspace = organization.workspaces.find((w) => w.id === selection.workspaceId);
  return { organizationId: organization.id, workspaceId: workspace?.id ?? organization.workspaces[0]?.id ?? null };
}
