-- Makes FerretDB's indexes usable for the queries FerretDB sends (installed by postgresql-server
-- into the database `ferretdb` of a new cluster; run in single-user mode, so statements end with
-- a semicolon and a blank line).
--
-- FerretDB 1.24 stores a collection as a table with one jsonb column `_jsonb`. For an index on
-- field f it makes a btree on `(_jsonb -> 'f')`, but it matches documents with containment,
-- `_jsonb -> 'f' @> '"value"'`, which a btree cannot answer: every find, update and delete by a
-- field, `_id` included, scanned the whole table. For each field of every btree index FerretDB
-- creates, this trigger adds a GIN index (jsonb_path_ops, which answers exactly `@>`) on the same
-- expression. See docs/database.md for the measurements.
CREATE FUNCTION ferretdb_containment_indexes() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE
  created record;
  expression text;
  position int;
BEGIN
  FOR created IN
    SELECT c.objid AS index_oid, i.indrelid AS table_oid, t.relname AS table_name, i.indnatts AS columns
    FROM pg_event_trigger_ddl_commands() AS c
    JOIN pg_index AS i ON i.indexrelid = c.objid
    JOIN pg_class AS ic ON ic.oid = c.objid
    JOIN pg_class AS t ON t.oid = i.indrelid
    JOIN pg_am AS am ON am.oid = ic.relam
    WHERE c.object_type = 'index' AND am.amname = 'btree'
  LOOP
    FOR position IN 1..created.columns LOOP
      expression := pg_get_indexdef(created.index_oid, position, false);
      -- Only FerretDB's own form, one top-level field: `((_jsonb -> 'name'::text))`. Nested fields
      -- are never sent to PostgreSQL by FerretDB's default settings.
      CONTINUE WHEN expression !~ '^\(\(_jsonb -> ''([^'']|'''')*''::text\)\)$';
      EXECUTE format(
        'CREATE INDEX IF NOT EXISTS %I ON %s USING gin (%s jsonb_path_ops)',
        left(created.table_name, 40) || '_' || left(md5(expression), 12) || '_gin',
        created.table_oid::regclass,
        expression
      );
    END LOOP;
  END LOOP;
END
$$;

CREATE EVENT TRIGGER ferretdb_containment_indexes ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
  EXECUTE FUNCTION ferretdb_containment_indexes();

