import { Component, type ReactNode } from "react";

/**
 * A page that throws while rendering shows what went wrong instead of blanking the window; the
 * rest of the app (navigation, status) keeps working. Navigating elsewhere resets it (`key`).
 */
export class PageErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  render() {
    if (!this.state.error) return this.props.children;
    return (
      <div role="alert" data-testid="page-error" className="rounded-lg border border-red-200 bg-red-50 p-4 text-sm text-red-900">
        <p className="font-medium">This page could not be shown.</p>
        <p className="mt-1 font-mono text-xs break-all">{this.state.error.message}</p>
        <details className="mt-2 text-xs">
          <summary>Technical details</summary>
          <pre data-testid="page-error-stack" className="mt-1 overflow-x-auto whitespace-pre-wrap">{this.state.error.stack}</pre>
        </details>
        <button type="button" className="mt-3 text-red-800 underline" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </div>
    );
  }
}
