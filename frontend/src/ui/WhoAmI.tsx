/** `/me` (what the authorizer verified) beside `/whoami` (the Wacht user the backend looked up). */
import type { WachtUser } from "../api";
import { useApi } from "./useApi";
import { useLoad } from "./useLoad";
import { FailureView, Loading } from "./states";

export function WhoAmI() {
  const api = useApi();
  const me = useLoad(api.me);
  const whoami = useLoad(api.whoami);

  return (
    <section className="screen" aria-labelledby="whoami-title">
      <h2 id="whoami-title">Who am I</h2>
      <div className="cards">
        <article className="card" data-testid="me">
          <h3>Session (GET /me)</h3>
          {!me.result ? (
            <Loading />
          ) : me.result.kind !== "ok" ? (
            <FailureView failure={me.result} onRetry={me.reload} />
          ) : (
            <dl>
              <dt>User id</dt>
              <dd>{me.result.data.user_id}</dd>
              <dt>Session id</dt>
              <dd>{me.result.data.session_id}</dd>
              <dt>Organization</dt>
              <dd>{me.result.data.organization_id ?? "—"}</dd>
              <dt>Workspace</dt>
              <dd>{me.result.data.workspace_id ?? "—"}</dd>
              <dt>Organization permissions</dt>
              <dd>{me.result.data.organization_permissions.join(", ") || "—"}</dd>
              <dt>Workspace permissions</dt>
              <dd>{me.result.data.workspace_permissions.join(", ") || "—"}</dd>
            </dl>
          )}
        </article>
        <article className="card" data-testid="whoami">
          <h3>Wacht user (GET /whoami)</h3>
          {!whoami.result ? (
            <Loading />
          ) : whoami.result.kind !== "ok" ? (
            <FailureView failure={whoami.result} onRetry={whoami.reload} />
          ) : (
            <dl>
              <dt>Name</dt>
              <dd>{[whoami.result.data.first_name, whoami.result.data.last_name].filter(Boolean).join(" ") || "—"}</dd>
              <dt>Username</dt>
              <dd>{whoami.result.data.username ?? "—"}</dd>
              <dt>Email</dt>
              <dd>{emailOf(whoami.result.data)}</dd>
            </dl>
          )}
        </article>
      </div>
    </section>
  );
}

function emailOf(user: WachtUser): string {
  const primary = user.primary_email_address;
  if (typeof primary === "string") return primary;
  return primary?.email ?? "—";
}
