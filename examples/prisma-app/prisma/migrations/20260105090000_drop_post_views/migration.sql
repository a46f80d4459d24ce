-- AlterTable
-- @override-destructive
-- @rollback-plan: Views are recomputed from the analytics warehouse (job reindex-post-views)
ALTER TABLE "Post" DROP COLUMN "views";
