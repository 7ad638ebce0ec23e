/** Organization and workspace pickers; switching goes through the token source, which drops its cached token. */
import { useState } from "react";
import { useAuth } from "../auth/session";

export function TenancySwitcher() {
  const auth = useAuth();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const organization = auth.organizations.find((o) => o.id === auth.organizationId);

  // A switch that fails (Wacht unreachable, a membership gone) leaves the tenancy as it was and says so.
  async function run(change: () => Promise<void>) {
    setBusy(true);
    setProblem(null);
    try {
      await change();
    } catch (error) {
      setProblem(`Could not switch: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      setBusy(false);
    }
  }

  if (auth.organizations.length === 0) return <span className="tenancy muted">No organization</span>;
  return (
    <div className="tenancy">
      <label>
        Organization
        <select
          value={auth.organizationId ?? ""}
          disabled={busy}
          onChange={(e) => void run(() => auth.switchOrganization(e.target.value))}
        >
          {auth.organizationId === null && <option value="">(none)</option>}
          {auth.organizations.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Workspace
        <select
          value={auth.workspaceId ?? ""}
          disabled={busy || !organization || organization.workspaces.length === 0}
          onChange={(e) => void run(() => auth.switchWorkspace(e.target.value))}
        >
          {auth.workspaceId === null && <option value="">(none)</option>}
          {organization?.workspaces.map((w) => (
            <option key={w.id} value={w.id}>
              {w.name}
            </option>
          ))}
        </select>
      </label>
      {problem && (
        <span className="tenancy-problem" role="alert" data-testid="switch-problem">
          {problem}
        </span>
      )}
    </div>
  );
}
