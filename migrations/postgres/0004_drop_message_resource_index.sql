-- Our ("resourceId", "createdAtZ", id) message index served only listMessagesByResourceId,
-- which Mastra calls for observational memory alone (not supported by this store), while
-- every message save paid for it: a third of the index entries a batch writes. Without it
-- that call scans the table, as it does on @mastra/pg, which never had one. Dropping an
-- index changes no data and no answer. {schema} is the checked, quoted schema name.
DROP INDEX IF EXISTS {schema}.mns_messages_resource_created_id;
