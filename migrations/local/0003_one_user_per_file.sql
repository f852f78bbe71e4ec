-- One user's data per cache file. From this version each signed-in user has a file of their own
-- (`users/<id>/cache.db`); `cache.db` beside it is the signed-out visitor's and holds only the
-- public marketplace page. Before, `cache.db` was shared by whoever signed in, so it may still
-- hold the last user's purchased leads (with customers' contact details) and purchase attempts:
-- they are deleted here (the server still has them, and they come back into that user's own
-- file the next time they sign in). On a user's new file this runs while the tables are empty.
DELETE FROM purchased_leads;
DELETE FROM purchase_attempts;
DELETE FROM sync_state WHERE key IN ('signed_in_user', 'my_leads_synced_at');
