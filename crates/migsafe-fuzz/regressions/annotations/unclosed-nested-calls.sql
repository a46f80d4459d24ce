CREATE FUNCTION code() RETURNS TEXT LANGUAGE sql AS $$ SELECT 'c' $$;
C-- migrate:up transaction:false
REATE FUNCTION pos(n INTEGER) RETURNS BOOLEAN LANGUAGE sql IMMUTABLE AS $$ SELECT n > 0 $$;
CREATE FUNCTION low(s TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$ SELECT lower(s) $$;
CREATE TABLE "Item" (
    "id" INTEGER PRIMARY KEY,
    "code" TEXT DEFAULT code(),
    "name" TEXT,
    "slug" TEXT GENERATED ALWAYS AS (low("name")) STORED,
    CONSTRAINT "Item_id_pos" CHECK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pos("id"))
);
CREATE INDEX "Item_low_idx" ON "Item" (low("nam\e"));
CREATE INDEX "Item_partial_idx" ON "Item" ("id") WHERE pos("id");
