// Times an ONNX model's forward pass in ONNX Runtime (onnxruntime-node, CPU),
// for bench/compare.py: node bench/ort.js MODEL.onnx BATCH THREADS RUNS.
// It prints {"forward_ms": median, "min_ms", "max_ms", "version"} as JSON.
// Graph optimisations on (batchnorm folded into convs), sequential
// execution, THREADS intra-op threads; the input is random, two warm-up runs.
'use strict';
const ort = require('onnxruntime-node');

async function main() {
  const [file, batch, threads, runs] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(file, {
    executionProviders: ['cpu'],
    intraOpNumThreads: Number(threads),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const name = session.inputNames[0];
  const dims = JSON.parse(process.env.ORT_INPUT_SHAPE); // one sample's shape
  const shape = [Number(batch), ...dims];
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = Math.random() * 2 - 1;
  const feeds = { [name]: new ort.Tensor('float32', data, shape) };
  for (let i = 0; i < 2; i++) await session.run(feeds);
  const times = [];
  for (let i = 0; i < Number(runs); i++) {
    const t = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({
    forward_ms: times[Math.floor(times.length / 2)],
    min_ms: times[0],
    max_ms: times[times.length - 1],
    version: ort.env.versions.common,
  }));
}

main().catch((e) => { console.error(String(e)); process.exit(1); });
