CREATE TABLE "dicom_job" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"type" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"node_id" uuid,
	"node_ae_title" text DEFAULT '' NOT NULL,
	"params" text DEFAULT '{}' NOT NULL,
	"total" integer DEFAULT 0 NOT NULL,
	"completed" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"warnings" integer DEFAULT 0 NOT NULL,
	"error" text,
	"result" text,
	"created_by" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "dicom_node" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"ae_title" text NOT NULL,
	"host" text NOT NULL,
	"port" integer NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"allow_store" boolean DEFAULT true NOT NULL,
	"allow_query" boolean DEFAULT true NOT NULL,
	"allow_retrieve" boolean DEFAULT true NOT NULL,
	"is_move_destination" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "dicom_job_created_idx" ON "dicom_job" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "dicom_job_status_idx" ON "dicom_job" USING btree ("status");--> statement-breakpoint
CREATE UNIQUE INDEX "dicom_node_ae_uq" ON "dicom_node" USING btree ("ae_title");