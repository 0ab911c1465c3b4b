import { Command } from 'commander';
import { parseServerConfig } from '../../server/config.js';
import { Server } from '../../server/server.js';
import { parsePort, untilSignal } from './util.js';

export function serverCommand(): Command {
  return new Command('server')
    .description('run the central server (archive, ingest): SQLite and files in --data, or PostgreSQL when DUALREC_DATABASE_URL is set')
    .option('--data <dir>', 'data folder (database, archive, keys)', './data')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', parsePort, 8080)
    .option('--time-zone <zone>', 'IANA time zone of the wall clock burned into archived videos', 'Asia/Shanghai')
    .option('--kws-model-dir <dir>', "keyword-spotting model folder for the machine review's speech pass (without it the pass is skipped)")
    .action(async (o: { data: string; host: string; port: number; timeZone: string; kwsModelDir?: string }) => {
      const server = await Server.create(parseServerConfig({ dataDir: o.data, host: o.host, port: o.port, finalize: { timeZone: o.timeZone }, machineReview: o.kwsModelDir ? { kwsModelDir: o.kwsModelDir } : {} }));
      const url = await server.listen();
      console.log(`dualrec server listening on ${url} (data in ${server.config.dataDir})`);
      console.log(`enroll a booth: dualrec enroll-code --data ${o.data}   then   dualrec booth --server ${url} --code <code>`);
      await untilSignal();
      await server.close();
    });
}
