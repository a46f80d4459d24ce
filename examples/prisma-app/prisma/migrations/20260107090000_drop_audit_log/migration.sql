-- @override-destructive
-- DropTable
DROP TABLE "AuditLog";
