/**
 * Documents of the active workspace: list, open, create, delete. Buttons follow `has`
 * checks; the create form stays reachable by URL, so the server's 403 is still shown
 * as "no access" to anyone who gets there.
 */
import { useState, type FormEvent } from "react";
import { isOk, withStaleListRefetch, type ApiResult, type Document, type Failure, type Page } from "../api";
import { has } from "../auth/permissions";
import { useAuth } from "../auth/session";
import { navigate } from "./router";
import { FailureView, Loading } from "./states";
import { useApi } from "./useApi";
import { useLoad } from "./useLoad";

const PAGE_SIZE = 20;

export function Documents({ selected }: { selected: string | null }) {
  const api = useApi();
  const auth = useAuth();
  const canWrite = has(auth.permissions, { workspacePermission: "documents:write" });
  const [extra, setExtra] = useState<{ items: Document[]; next: string | null } | null>(null);
  const list = useLoad(() => api.listDocuments({ limit: PAGE_SIZE }));
  const [actionFailure, setActionFailure] = useState<Failure | null>(null);

  async function reloadList() {
    setExtra(null);
    await list.reload();
  }

  async function loadMore(cursor: string) {
    const next = await api.listDocuments({ limit: PAGE_SIZE, cursor });
    if (isOk(next)) setExtra((prev) => ({ items: [...(prev?.items ?? []), ...next.data.items], next: next.data.next_cursor }));
    else setActionFailure(next);
  }

  async function remove(id: string) {
    setActionFailure(null);
    const result = await withStaleListRefetch(() => api.deleteDocument(id), reloadList);
    if (isOk(result)) {
      if (selected === id) navigate("/documents");
      await reloadList();
    } else {
      setActionFailure(result);
    }
  }

  const workspace = auth.organizations
    .find((o) => o.id === auth.organizationId)
    ?.workspaces.find((w) => w.id === auth.workspaceId);

  return (
    <section className="screen" aria-labelledby="documents-title">
      <header className="screen-header">
        <h2 id="documents-title">Documents{workspace ? ` in ${workspace.name}` : ""}</h2>
        {canWrite && (
          <a className="button primary" href="#/documents/new">
            New document
          </a>
        )}
      </header>
      {actionFailure && <FailureView failure={actionFailure} />}
      {selected === "new" ? (
        <CreateDocument onCreated={reloadList} />
      ) : (
        selected && <DocumentDetail key={selected} id={selected} onStale={reloadList} />
      )}
      <DocumentList
        result={list.result}
        extra={extra}
        canWrite={canWrite}
        onRetry={reloadList}
        onMore={loadMore}
        onDelete={remove}
      />
    </section>
  );
}

function DocumentList(props: {
  result: ApiResult<Page<Document>> | null;
  extra: { items: Document[]; next: string | null } | null;
  canWrite: boolean;
  onRetry: () => void;
  onMore: (cursor: string) => void;
  onDelete: (id: string) => void;
}) {
  const { result, extra, canWrite } = props;
  if (!result) return <Loading />;
  if (result.kind !== "ok") return <FailureView failure={result} onRetry={props.onRetry} />;
  const items = [...result.data.items, ...(extra?.items ?? [])];
  const next = extra ? extra.next : result.data.next_cursor;
  if (items.length === 0) return <p className="muted" data-testid="documents-empty">No documents in this workspace yet.</p>;
  return (
    <>
      <ul className="documents" data-testid="documents">
        {items.map((d) => (
          <li key={d.id} data-testid="document-row">
            <a href={`#/documents/${encodeURIComponent(d.id)}`}>{d.title}</a>
            <span className="muted">{new Date(d.created_at).toLocaleString()}</span>
            {canWrite && (
              <button type="button" className="danger" onClick={() => props.onDelete(d.id)} aria-label={`Delete ${d.title}`}>
                Delete
              </button>
            )}
          </li>
        ))}
      </ul>
      {next && (
        <button type="button" onClick={() => props.onMore(next)}>
          Load more
        </button>
      )}
    </>
  );
}

function DocumentDetail({ id, onStale }: { id: string; onStale: () => Promise<void> }) {
  const api = useApi();
  const { result } = useLoad(() => withStaleListRefetch(() => api.getDocument(id), onStale));
  if (!result) return <Loading />;
  if (result.kind !== "ok") return <FailureView failure={result} />;
  return (
    <article className="card document" data-testid="document">
      <h3>{result.data.title}</h3>
      <p className="body">{result.data.body}</p>
      <p className="muted">
        by {result.data.created_by} · {new Date(result.data.created_at).toLocaleString()}
      </p>
    </article>
  );
}

function CreateDocument({ onCreated }: { onCreated: () => Promise<void> }) {
  const api = useApi();
  const [title, setTitle] = useState("");
  const [body, setBody] = useState("");
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setFailure(null);
    const result = await api.createDocument({ title, body });
    setBusy(false);
    if (isOk(result)) {
      await onCreated();
      navigate(`/documents/${encodeURIComponent(result.data.id)}`);
    } else {
      setFailure(result);
    }
  }

  return (
    <form className="card" onSubmit={submit} aria-label="New document">
      <h3>New document</h3>
      <label>
        Title
        <input value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={200} />
      </label>
      <label>
        Body
        <textarea value={body} onChange={(e) => setBody(e.target.value)} rows={4} />
      </label>
      {failure && <FailureView failure={failure} />}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          Create
        </button>
        <a className="button" href="#/documents">
          Cancel
        </a>
      </div>
    </form>
  );
}
