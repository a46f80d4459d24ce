-- The published filter moved to the search service.
-- @override-destructive

-- DropIndex
DROP INDEX "Post_published_idx";
