CREATE TABLE "dicom_patient" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"patient_id" text DEFAULT '' NOT NULL,
	"issuer" text DEFAULT '' NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"name_norm" text DEFAULT '' NOT NULL,
	"name_fuzzy" text DEFAULT '' NOT NULL,
	"birth_date" text DEFAULT '' NOT NULL,
	"sex" text DEFAULT '' NOT NULL,
	"json" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "instance" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"sop_instance_uid" text NOT NULL,
	"series_fk" bigint NOT NULL,
	"sop_class_uid" text NOT NULL,
	"instance_number" integer,
	"transfer_syntax_uid" text NOT NULL,
	"number_of_frames" integer,
	"rows" integer,
	"columns" integer,
	"storage_path" text NOT NULL,
	"size_bytes" bigint NOT NULL,
	"digest" text NOT NULL,
	"json" text NOT NULL,
	"source" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "series" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"series_uid" text NOT NULL,
	"study_fk" bigint NOT NULL,
	"modality" text DEFAULT '' NOT NULL,
	"series_number" integer,
	"description" text DEFAULT '' NOT NULL,
	"body_part" text DEFAULT '' NOT NULL,
	"series_date" text DEFAULT '' NOT NULL,
	"series_time" text DEFAULT '' NOT NULL,
	"pps_start_date" text DEFAULT '' NOT NULL,
	"pps_start_time" text DEFAULT '' NOT NULL,
	"num_instances" integer DEFAULT 0 NOT NULL,
	"json" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "study" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"study_uid" text NOT NULL,
	"patient_fk" bigint NOT NULL,
	"study_date" text DEFAULT '' NOT NULL,
	"study_time" text DEFAULT '' NOT NULL,
	"accession_number" text DEFAULT '' NOT NULL,
	"study_id" text DEFAULT '' NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"referring_physician" text DEFAULT '' NOT NULL,
	"referring_physician_norm" text DEFAULT '' NOT NULL,
	"institution_name" text DEFAULT '' NOT NULL,
	"modalities" text[] NOT NULL,
	"sop_classes" text[] NOT NULL,
	"body_parts" text[] NOT NULL,
	"num_series" integer DEFAULT 0 NOT NULL,
	"num_instances" integer DEFAULT 0 NOT NULL,
	"size_bytes" bigint DEFAULT 0 NOT NULL,
	"json" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "instance" ADD CONSTRAINT "instance_series_fk_series_id_fk" FOREIGN KEY ("series_fk") REFERENCES "public"."series"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "series" ADD CONSTRAINT "series_study_fk_study_id_fk" FOREIGN KEY ("study_fk") REFERENCES "public"."study"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "study" ADD CONSTRAINT "study_patient_fk_dicom_patient_id_fk" FOREIGN KEY ("patient_fk") REFERENCES "public"."dicom_patient"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "dicom_patient_pid_uq" ON "dicom_patient" USING btree ("patient_id","issuer");--> statement-breakpoint
CREATE INDEX "dicom_patient_name_idx" ON "dicom_patient" USING btree ("name_norm");--> statement-breakpoint
CREATE UNIQUE INDEX "instance_uid_uq" ON "instance" USING btree ("sop_instance_uid");--> statement-breakpoint
CREATE INDEX "instance_series_idx" ON "instance" USING btree ("series_fk","instance_number");--> statement-breakpoint
CREATE UNIQUE INDEX "series_uid_uq" ON "series" USING btree ("series_uid");--> statement-breakpoint
CREATE INDEX "series_study_idx" ON "series" USING btree ("study_fk");--> statement-breakpoint
CREATE INDEX "series_modality_idx" ON "series" USING btree ("modality");--> statement-breakpoint
CREATE UNIQUE INDEX "study_uid_uq" ON "study" USING btree ("study_uid");--> statement-breakpoint
CREATE INDEX "study_patient_idx" ON "study" USING btree ("patient_fk");--> statement-breakpoint
CREATE INDEX "study_date_idx" ON "study" USING btree ("study_date","study_time");--> statement-breakpoint
CREATE INDEX "study_accession_idx" ON "study" USING btree ("accession_number");--> statement-breakpoint
CREATE INDEX "study_created_idx" ON "study" USING btree ("created_at");