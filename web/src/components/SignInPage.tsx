// The signed-out page: why the person is here, and the GitHub button.
import type { Config } from "../config";
import { startSignIn } from "../signin";
import { Notice } from "./Notice";

export function SignInPage({ config, message }: { config: Config; message: string }) {
  return (
    <main id="main" className="page signin">
      <h1>sesami</h1>
      <p className="lead">
        How much of a repository&rsquo;s surviving code did you write? sesami reads its history with
        git blame and tells you, with your commits, languages and the tech stack.
      </p>
      {message && (
        <Notice kind={message.startsWith("You have") ? "info" : "error"}>{message}</Notice>
      )}
      <button type="button" className="primary" onClick={() => startSignIn(config)}>
        Sign in with GitHub
      </button>
    </main>
  );
}
