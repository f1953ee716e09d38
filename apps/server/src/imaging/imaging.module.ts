import { Inject, Module, type OnModuleDestroy } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { APP_CONFIG, type AppConfig } from '../platform/config';
import { BLOB_STORAGE, FileSystemStorage } from '../platform/storage/storage';
import { ArchiveQueryService } from './archive/archive-query.service';
import { ArchiveRepository } from './archive/archive.repository';
import { ArchiveService } from './archive/archive.service';
import { IngestService } from './archive/ingest.service';
import { DemoImport } from './archive/demo-import';
import { DimseModule } from './dimse/dimse.module';
import { DicomwebController } from './dicomweb/dicomweb.controller';
import { PixelsController } from './dicomweb/pixels.controller';
import { WadoUriController } from './dicomweb/wado-uri.controller';
import { closeDecoding, configureDecoding } from './pixels';

/**
 * Imaging: the archive (ingest, index, storage, deletion) and its DICOMweb face.
 * Exports ArchiveService (access-checked) and IngestService (for DIMSE and imports).
 */
@Module({
  imports: [IdentityModule, DimseModule],
  controllers: [DicomwebController, PixelsController, WadoUriController],
  providers: [
    { provide: BLOB_STORAGE, inject: [APP_CONFIG], useFactory: (c: AppConfig) => new FileSystemStorage(c.dataDir, { directIo: c.directIo !== 'off' }) },
    ArchiveRepository, ArchiveQueryService, IngestService, ArchiveService, DemoImport,
  ],
  exports: [ArchiveService, IngestService, DemoImport],
})
export class ImagingModule implements OnModuleDestroy {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    configureDecoding({ threads: config.decodeThreads, timeoutMs: config.decodeTimeoutSeconds * 1000 });
  }

  async onModuleDestroy(): Promise<void> {
    await closeDecoding();
  }
}
