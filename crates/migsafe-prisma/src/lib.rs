//! A Prisma schema language parser and its mapping to the migsafe schema model, as Prisma Migrate creates it on PostgreSQL
