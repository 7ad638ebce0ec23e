/** The signed-in app: header with tenancy switcher, and the three screens. */
import { useAuth } from "../auth/session";
import { Documents } from "./Documents";
import { Members } from "./Members";
import { usePath } from "./router";
import { TenancySwitcher } from "./TenancySwitcher";
import { WhoAmI } from "./WhoAmI";

export function App() {
  const auth = useAuth();
  const path = usePath();
  // Everything below is keyed by the tenancy: a switch remounts the screens, so no answer
  // to a request made under the previous workspace can show up in the new one. That is one
  // remount per switch because the auth providers guarantee the tenancy is never a placeholder:
  // they render the app only once it is known, and keep it while the SDK reloads the session
  // (App.wacht.test.tsx counts the screens' mounts).
  const tenancy = `${auth.organizationId ?? "-"}/${auth.workspaceId ?? "-"}`;

  return (
    <div className="app">
      <header className="topbar">
        <h1>Wacht × SAM</h1>
        <nav aria-label="Main">
          <a href="#/me" aria-current={path === "/me" || path === "/" ? "page" : undefined}>
            Who am I
          </a>
          <a href="#/documents" aria-current={path.startsWith("/documents") ? "page" : undefined}>
            Documents
          </a>
          <a href="#/members" aria-current={path === "/members" ? "page" : undefined}>
            Members
          </a>
        </nav>
        <TenancySwitcher />
        <div className="user">
          <span data-testid="user-name">{auth.user.name}</span>
          <button type="button" onClick={() => auth.signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main key={tenancy}>
        <Screen path={path} />
      </main>
    </div>
  );
}

function Screen({ path }: { path: string }) {
  const documents = /^\/documents(?:\/([^/]+))?$/.exec(path);
  if (documents) return <Documents selected={documents[1] ? decodeURIComponent(documents[1]) : null} />;
  if (path === "/members") return <Members />;
  return <WhoAmI />;
}
