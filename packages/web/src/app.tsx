import { A, Router } from "@solidjs/router";
import { FileRoutes } from "@solidjs/start/router";
import { onCleanup, onMount, type ParentProps, Suspense } from "solid-js";
import { LiveIndicator } from "./components/LiveIndicator";
import { startLive } from "./lib/live";
import "./app.css";

function Layout(props: ParentProps) {
  onMount(() => onCleanup(startLive()));
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <strong class="brand">Jobledger</strong>
        <nav aria-label="Main">
          <A href="/" end>
            Jobs
          </A>
          <A href="/runs">Runs</A>
          <A href="/analytics">Analytics</A>
          <A href="/notifications">Notifications</A>
          <A href="/system">System</A>
        </nav>
        <LiveIndicator />
      </header>
      <main id="main" tabindex="-1">
        <Suspense>{props.children}</Suspense>
      </main>
    </>
  );
}

export default function App() {
  return (
    <Router root={Layout}>
      <FileRoutes />
    </Router>
  );
}
