import type { ReactNode } from "react";
import { Panel } from "../components/ui";

const MOD = navigator.platform.startsWith("Mac") ? "⌘" : "Ctrl";

function Topic({ title, children, testId }: { title: string; children: ReactNode; testId: string }) {
  return (
    <Panel title={title} testId={testId}>
      <div className="flex flex-col gap-2 p-4 text-sm leading-relaxed text-slate-700">{children}</div>
    </Panel>
  );
}

/** Short how-tos for the things agents and partners do most. */
export function HelpPage() {
  return (
    <div className="grid max-w-4xl grid-cols-1 gap-4">
      <Topic title="Buying a lead" testId="help-buying">
        <p>
          <strong>Available Leads</strong> shows what matches your categories and areas. Open a lead to see its
          score and what it is worth without the contact details; <strong>Buy lead</strong> charges its price in
          credits and reveals the name, phone and email at once. Exclusive leads are sold once; shared leads to a
          few agents.
        </p>
        <p>
          Your daily and per-lead limits (Settings) are checked before every purchase. Buy credits in
          <strong> Billing</strong>; auto-recharge can top them up when they run low.
        </p>
      </Topic>
      <Topic title="Writing to your leads" testId="help-messages">
        <p>
          <strong>Messages</strong> lists every lead you bought, latest conversation first. Pick a template (initial
          contact, follow-up, property details, schedule viewing, thank you, not interested): it is filled with the
          customer's name, what they want, the area, the budget and your name, and you can change the words before
          sending. <strong>Send</strong> opens your mail app, WhatsApp or SMS with the text, and logs the message on
          the lead, offline too.
        </p>
        <p>
          Rewrite the templates in the <strong>Templates</strong> tab with variables such as{" "}
          <code>{"{first_name}"}</code> and <code>{"{area}"}</code>; <strong>Back to the stock words</strong> undoes
          your changes.
        </p>
      </Topic>
      <Topic title="Refunds" testId="help-refunds">
        <p>
          A lead that turns out to be wrong (a dead number, a fake, a duplicate, outside your area) can be refunded
          within the window shown on the lead (7 days from purchase by default): open it in <strong>My Leads</strong>{" "}
          and choose <strong>Request refund</strong>. The request opens with the calls and messages you logged,
          with their times, as its evidence. After each attempt, say what came of it in the lead's contact log
          (<strong>No answer</strong>, <strong>Wrong number</strong>, <strong>Bounced</strong>, or{" "}
          <strong>Reached</strong>): the wrong numbers and bounced emails are counted in the evidence. On the last
          day of the window, Leadmart reminds you of leads you never reached.
        </p>
        <p>
          When the refund is approved, the credits come back and the lead's contact details are removed from
          Leadmart and from this computer; your notes and history stay.
        </p>
      </Topic>
      <Topic title="Working offline" testId="help-offline">
        <p>
          Everything you bought is kept on this computer, encrypted, so <strong>My Leads</strong>, the contact
          buttons, search, Analytics and your statement work with no network. Status changes, notes and calls you
          log offline are saved at once (marked <em>pending</em>) and sent when you are back online; the status bar
          counts them. If the marketplace refuses one (say, a refund window closed meanwhile) it stays on the lead
          with <strong>Retry</strong> and <strong>Discard</strong>.
        </p>
        <p>Buying, refunds and changing settings need the network.</p>
      </Topic>
      <Topic title="Notifications" testId="help-notifications">
        <p>
          Leadmart tells you the moment a lead matching your preferences is listed, also when the window is closed
          to the tray. Click the notification to open the lead. Choose which alerts you get, and quiet hours, in
          <strong> Settings</strong>; the tray menu can pause them for an hour. <strong>Analytics</strong> keeps a
          speed-to-lead log of the leads you bought from a notification: how soon you opened, bought and first
          contacted each one.
        </p>
      </Topic>
      <Topic title="Selling leads: CSV import" testId="help-import">
        <p>
          Partners drop a CSV on the window (or use <strong>Choose file…</strong> on Upload Leads). Leadmart reads
          its encoding and layout, maps the columns (change any guess), checks every row and shows why each rejected
          row was rejected; <strong>Save rejected rows…</strong> writes them out with their reasons to fix and send
          again.
        </p>
      </Topic>
      <Topic title="Keyboard" testId="help-keyboard">
        <ul className="list-inside list-disc">
          <li>
            <kbd>{MOD}</kbd> + <kbd>K</kbd>: jump to any page or lead by name
          </li>
          <li>
            <kbd>/</kbd> or <kbd>{MOD}</kbd> + <kbd>F</kbd> in My Leads: search your leads
          </li>
          <li>
            <kbd>↑</kbd> <kbd>↓</kbd> <kbd>Home</kbd> <kbd>End</kbd> in a lead table: move between rows;{" "}
            <kbd>Enter</kbd> opens one
          </li>
        </ul>
      </Topic>
    </div>
  );
}
