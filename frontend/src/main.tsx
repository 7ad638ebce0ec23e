import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
// The token source. For production, replace this line with the Wacht SDK adapter (README: "Use Wacht's SDK"):
//   import { WachtAuthProvider as AuthProvider } from "./auth/wacht/WachtAuthProvider";
import { DevAuthProvider as AuthProvider } from "./auth/dev/DevAuthProvider";
import { App } from "./ui/App";
import "./ui/styles.css";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <AuthProvider>
      <App />
    </AuthProvider>
  </StrictMode>,
);
