/** Members of the active organization; adding, changing a role and removing need `members:manage`. */
import { useState, type FormEvent } from "react";
import { isOk, withStaleListRefetch, type ApiResult, type Failure, type Member } from "../api";
import { has } from "../auth/permissions";
import { useAuth } from "../auth/session";
import { FailureView, Loading } from "./states";
import { useApi } from "./useApi";
import { useLoad } from "./useLoad";

export function Members() {
  const api = useApi();
  const auth = useAuth();
  const canManage = has(auth.permissions, { organizationPermission: "members:manage" });
  const list = useLoad(() => api.listMembers({ limit: 50 }));
  const [failure, setFailure] = useState<Failure | null>(null);

  async function act(call: () => Promise<ApiResult<unknown>>) {
    setFailure(null);
    const result = await withStaleListRefetch(call, list.reload);
    if (isOk(result)) await list.reload();
    else setFailure(result);
  }

  return (
    <section className="screen" aria-labelledby="members-title">
      <h2 id="members-title">Members</h2>
      {failure && <FailureView failure={failure} />}
      {canManage && <MemberForm onSubmit={(memberId, role) => act(() => api.setMemberRole(memberId, role))} />}
      {!list.result ? (
        <Loading />
      ) : list.result.kind !== "ok" ? (
        <FailureView failure={list.result} onRetry={list.reload} />
      ) : list.result.data.items.length === 0 ? (
        <p className="muted">No members.</p>
      ) : (
        <table className="members" data-testid="members">
          <thead>
            <tr>
              <th>Member</th>
              <th>Role</th>
              {canManage && <th aria-label="Actions" />}
            </tr>
          </thead>
          <tbody>
            {list.result.data.items.map((m) => (
              <tr key={m.member_id} data-testid="member-row">
                <td>{labelOf(m)}</td>
                <td>{m.role}</td>
                {canManage && (
                  <td>
                    <button
                      type="button"
                      className="danger"
                      onClick={() => act(() => api.removeMember(m.member_id))}
                      aria-label={`Remove ${m.member_id}`}
                    >
                      Remove
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function MemberForm({ onSubmit }: { onSubmit: (memberId: string, role: string) => Promise<void> }) {
  const [memberId, setMemberId] = useState("");
  const [role, setRole] = useState("member");

  async function submit(event: FormEvent) {
    event.preventDefault();
    await onSubmit(memberId.trim(), role.trim());
    setMemberId("");
  }

  return (
    <form className="inline-form" onSubmit={submit} aria-label="Add or update member">
      <label>
        Member id
        <input value={memberId} onChange={(e) => setMemberId(e.target.value)} required />
      </label>
      <label>
        Role
        <input value={role} onChange={(e) => setRole(e.target.value)} required />
      </label>
      <button type="submit" className="primary">
        Add / set role
      </button>
    </form>
  );
}

function labelOf(member: Member): string {
  const name = typeof member.name === "string" ? member.name : typeof member.email === "string" ? member.email : null;
  return name ? `${name} (${member.member_id})` : member.member_id;
}
