import { Module } from '@nestjs/common';
import { DicomJobsService } from './dicom-jobs.service';
import { DicomNodesService } from './dicom-nodes.service';
import { DicomJobsController, DicomNodesController } from './dimse.controller';
import { DimseService } from './dimse.service';

/**
 * DICOM networking (issue 4): the DIMSE SCP listening on DICOM_PORT as DICOM_AET, the remote node registry
 * and the SCU operations (echo, store, query, retrieve) with their persisted jobs. The archive services it
 * uses are looked up from the application (ModuleRef), so ImagingModule can import this module without a cycle.
 */
@Module({
  controllers: [DicomNodesController, DicomJobsController],
  providers: [DimseService, DicomNodesService, DicomJobsService],
  exports: [DimseService],
})
export class DimseModule {}
