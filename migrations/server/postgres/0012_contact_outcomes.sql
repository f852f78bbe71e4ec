-- What came of a contact attempt, when the agent said (issue 13's refund guardian): reached, no
-- answer, wrong number, bounced — the markers a refund request's evidence rests on. NULL for
-- entries logged before it existed, and for attempts the agent did not qualify.
ALTER TABLE contact_log ADD COLUMN outcome TEXT
    CHECK (outcome IN ('reached', 'no_answer', 'wrong_number', 'bounced'));
