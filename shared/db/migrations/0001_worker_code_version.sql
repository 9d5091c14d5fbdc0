ALTER TABLE "steps" ADD COLUMN "code_version" text;--> statement-breakpoint
ALTER TABLE "steps" ADD COLUMN "source_digest" text;