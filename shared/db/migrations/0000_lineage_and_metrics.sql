CREATE TYPE "public"."edge_direction" AS ENUM('input', 'output');--> statement-breakpoint
CREATE TYPE "public"."run_status" AS ENUM('queued', 'running', 'completed', 'failed', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."step_status" AS ENUM('running', 'completed', 'failed', 'cancelled');--> statement-breakpoint
CREATE TABLE "artifacts" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "artifacts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"uri" text NOT NULL,
	"sha256" text NOT NULL,
	"bytes" bigint NOT NULL,
	"kind" text NOT NULL,
	"run_id" text,
	"step" text,
	"name" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "artifacts_uri_uq" UNIQUE("uri")
);
--> statement-breakpoint
CREATE TABLE "edges" (
	"step_id" integer NOT NULL,
	"artifact_id" integer NOT NULL,
	"direction" "edge_direction" NOT NULL,
	CONSTRAINT "edges_pk" PRIMARY KEY("step_id","artifact_id","direction")
);
--> statement-breakpoint
CREATE TABLE "metrics" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "metrics_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"run_id" text NOT NULL,
	"step_id" integer,
	"name" text NOT NULL,
	"value" double precision NOT NULL,
	"epoch" integer,
	"label" text,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "metrics_identity_uq" UNIQUE NULLS NOT DISTINCT("run_id","step_id","name","epoch","label")
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" text PRIMARY KEY NOT NULL,
	"dataset" text NOT NULL,
	"partition" text NOT NULL,
	"spec" jsonb NOT NULL,
	"code_version" text NOT NULL,
	"status" "run_status" DEFAULT 'queued' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "steps" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "steps_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"run_id" text NOT NULL,
	"step_name" text NOT NULL,
	"attempt" integer NOT NULL,
	"status" "step_status" DEFAULT 'running' NOT NULL,
	"fingerprint" text NOT NULL,
	"cache_hit" boolean DEFAULT false NOT NULL,
	"worker" text,
	"device" text,
	"compute_backend" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"duration_ms" integer,
	"error" text,
	CONSTRAINT "steps_run_step_attempt_uq" UNIQUE("run_id","step_name","attempt")
);
--> statement-breakpoint
CREATE TABLE "value_summaries" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "value_summaries_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"run_id" text NOT NULL,
	"step_id" integer,
	"method" text NOT NULL,
	"unit" text NOT NULL,
	"count" integer NOT NULL,
	"mean" double precision NOT NULL,
	"std" double precision NOT NULL,
	"min" double precision NOT NULL,
	"max" double precision NOT NULL,
	"quantiles" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"kept_count" integer NOT NULL,
	"threshold" double precision,
	"values_artifact_id" integer,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "value_summaries_run_method_unit_uq" UNIQUE("run_id","method","unit")
);
--> statement-breakpoint
ALTER TABLE "artifacts" ADD CONSTRAINT "artifacts_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "edges" ADD CONSTRAINT "edges_step_id_steps_id_fk" FOREIGN KEY ("step_id") REFERENCES "public"."steps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "edges" ADD CONSTRAINT "edges_artifact_id_artifacts_id_fk" FOREIGN KEY ("artifact_id") REFERENCES "public"."artifacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "metrics" ADD CONSTRAINT "metrics_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "metrics" ADD CONSTRAINT "metrics_step_id_steps_id_fk" FOREIGN KEY ("step_id") REFERENCES "public"."steps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "steps" ADD CONSTRAINT "steps_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "value_summaries" ADD CONSTRAINT "value_summaries_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "value_summaries" ADD CONSTRAINT "value_summaries_step_id_steps_id_fk" FOREIGN KEY ("step_id") REFERENCES "public"."steps"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "value_summaries" ADD CONSTRAINT "value_summaries_values_artifact_id_artifacts_id_fk" FOREIGN KEY ("values_artifact_id") REFERENCES "public"."artifacts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "artifacts_sha256_idx" ON "artifacts" USING btree ("sha256");--> statement-breakpoint
CREATE INDEX "artifacts_run_id_idx" ON "artifacts" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "edges_artifact_idx" ON "edges" USING btree ("artifact_id","direction");--> statement-breakpoint
CREATE INDEX "metrics_run_id_idx" ON "metrics" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "runs_dataset_partition_idx" ON "runs" USING btree ("dataset","partition");--> statement-breakpoint
CREATE INDEX "steps_fingerprint_idx" ON "steps" USING btree ("fingerprint","status");--> statement-breakpoint
CREATE INDEX "steps_run_id_idx" ON "steps" USING btree ("run_id");