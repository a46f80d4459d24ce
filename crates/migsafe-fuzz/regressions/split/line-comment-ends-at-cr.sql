SELECT 1; -- noteDROP TABLE "users";
