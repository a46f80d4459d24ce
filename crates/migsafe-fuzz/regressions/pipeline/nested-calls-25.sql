CREATE TABLE "Item" ("id" INTEGER, CONSTRAINT c CHECK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pK (pos("id"))
);
