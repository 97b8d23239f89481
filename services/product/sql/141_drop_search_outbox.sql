-- The search index follows the product events now (src/search/indexer.ts): the private search outbox is gone. Rows
-- still waiting in it need no delivery of their own: start-up of the new version reindexes nothing by itself, so run
-- the reindex command once after upgrading a deployment that used Elasticsearch.
DROP TABLE search_outbox;
