-- Guards answered from the schema: the first holds, the second does not,
-- the third tolerates an existing constraint.
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM information_schema.table_constraints
        WHERE table_name = 'Env' AND constraint_name = 'Env_parentId_fkey'
    ) THEN
        ALTER TABLE "Env" ADD CONSTRAINT "Env_parent KEY ("parentId") REFERENCES "Env"("id");
    END IF;
END $$;
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'Env' AND column_name = 'no_such_column') THEN
    ALTER TABLE "Env" RENAME COLUMN old_name TO never;
  ELSE
   ELSE
   ELSE
   ELSE
   ELSE
   ELSE
   ELSE
   ELSE
   ELSE
   ELSE
   ELSE
   ELSE
   ELSE
   ELSE
   ELSE
   ELSE
   ELSE
   ELSE
   ELSE
   ELSE
   ELSE
   ELSE
   ELSE
   ELSE
   ELSE
   ELSE
   ELSE
   ELSE
   ELSE
    ALTER TABLE "Env" RENAME COLUMN old_name TO new_name;
  END IF;
END $$;
DO $$ BEGIN
  ALTER TABLE "Env" ADD CONSTRCONSTRCONSTRCONSTRCONSTRCONSTRCONSTRCONSTRCONSTRCONSTRCONSTRCONSTRCONSTRCONSTRCONSTRCONSTRCONSTRCONSTRCONSTRCONSTRCONSTRCONSTRCONSTRCONSTRAINT "Env_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Env"("id");
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
