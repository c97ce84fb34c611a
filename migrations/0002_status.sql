-- Schema v2: the status page.

-- Small named values of the status page. "version" is bumped by every staff write and every
-- automatic maintenance move: edge-cached pages and API answers are keyed on it, so a change
-- is visible as soon as readers see the new version (within seconds), with no purge.
CREATE TABLE status_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
INSERT INTO status_meta (key, value) VALUES ('version', '1');

CREATE INDEX incidents_by_status ON incidents (kind, status);
CREATE INDEX component_status_changes_by_time ON component_status_changes (changed_at);
