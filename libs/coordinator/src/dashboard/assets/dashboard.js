// The Ganglion dashboard page. It opens /events (Server-Sent Events): a
// `snapshot` first, then `workers`, `step`, `sample` and `run` events,
// and draws them with uPlot. Plain browser JavaScript, no build step.
// `window.ganglionDashboard` exposes what the page holds (for tests and
// for the curious in the console).
'use strict';

(function () {
  const PHASE_COLOURS = ['#3867d6', '#e8590c', '#2b8a3e', '#ae3ec9', '#c92a2a', '#1098ad'];
  const STALE_AFTER_MS = 10_000;
  const STEP_INCREMENTS = [1, 2, 5].flatMap((m) => [1, 10, 100, 1000, 10_000, 100_000, 1_000_000].map((p) => m * p)).sort((a, b) => a - b);

  /** What the page knows; replaced wholesale by each snapshot. */
  const model = {
    run: null,
    status: 'waiting',
    message: null,
    generation: 0,
    step: 0,
    workers: [],
    points: [],
    maxPoints: 10_000,
    sample: null,
    /** Coordinator clock minus browser clock, in ms: ages are measured on the coordinator's clock. */
    clockOffset: 0,
    connected: false,
  };
  const charts = { loss: null, throughput: null, phases: [] };
  window.ganglionDashboard = { model, charts };

  const $ = (id) => document.getElementById(id);

  // ---- events -------------------------------------------------------------

  const source = new EventSource('/events');
  source.addEventListener('open', () => setConnected(true));
  source.addEventListener('error', () => setConnected(false));
  source.addEventListener('snapshot', (event) => {
    const snapshot = JSON.parse(event.data);
    Object.assign(model, {
      run: snapshot.run,
      status: snapshot.status,
      message: snapshot.message,
      generation: snapshot.generation,
      step: snapshot.step,
      workers: snapshot.workers,
      points: snapshot.points.slice(),
      maxPoints: snapshot.maxPoints,
      sample: snapshot.sample,
      clockOffset: snapshot.now - Date.now(),
    });
    renderAll();
  });
  source.addEventListener('workers', (event) => {
    const { now, workers } = JSON.parse(event.data);
    model.workers = workers;
    model.clockOffset = now - Date.now();
    renderWorkers();
  });
  source.addEventListener('step', (event) => {
    const point = JSON.parse(event.data);
    model.points.push(point);
    if (model.points.length > model.maxPoints) thin(model.points);
    model.step = point.step + 1;
    if (model.status === 'waiting') model.status = 'training';
    renderRun();
    renderCharts();
  });
  source.addEventListener('sample', (event) => {
    model.sample = JSON.parse(event.data);
    renderSample();
  });
  source.addEventListener('run', (event) => {
    Object.assign(model, JSON.parse(event.data));
    renderRun();
    if (model.status === 'finished' || model.status === 'failed') source.close();
    setConnected(model.connected);
  });

  function setConnected(connected) {
    model.connected = connected && source.readyState === EventSource.OPEN;
    const ended = model.status === 'finished' || model.status === 'failed';
    const badge = $('connection');
    badge.className = 'connection ' + (ended ? 'ended' : model.connected ? 'live' : 'down');
    badge.textContent = ended ? 'run ended' : model.connected ? 'live' : 'reconnecting…';
  }

  /** Drops every second point, keeping the newest (the server thins its copy the same way). */
  function thin(points) {
    const last = points.length - 1;
    let kept = 0;
    for (let i = 0; i <= last; i++) if ((last - i) % 2 === 0) points[kept++] = points[i];
    points.length = kept;
  }

  // ---- rendering ------------------------------------------------------------

  function renderAll() {
    renderRun();
    renderWorkers();
    renderCharts();
    renderSample();
  }

  function renderRun() {
    const run = model.run;
    if (run === null) return;
    document.title = `${run.pipeline} · step ${model.step}/${run.steps} · Ganglion`;
    $('pipeline').textContent = run.pipeline;
    $('step').textContent = `${model.step} / ${run.steps}`;
    $('status').textContent = model.status;
    $('generation').textContent = String(model.generation);
    $('reducer').textContent = run.reducer;
    $('batch').textContent = String(run.batchSize);
    $('eta').textContent = eta();
    $('folder').textContent = run.runFolder;
    const fraction = run.steps > 0 ? Math.min(1, model.step / run.steps) : 0;
    $('progress-fill').style.width = `${(fraction * 100).toFixed(1)}%`;
    $('progress').setAttribute('aria-valuemax', String(run.steps));
    $('progress').setAttribute('aria-valuenow', String(model.step));
    const message = $('message');
    message.hidden = model.message === null && model.status !== 'finished';
    message.className = model.status === 'failed' ? 'message' : 'message ok';
    message.textContent = model.message ?? (model.status === 'finished' ? 'training finished' : '');
  }

  /** Remaining steps × the median of the last 20 step times. */
  function eta() {
    if (model.status !== 'training' || model.run === null) return '–';
    const recent = model.points.slice(-20).map((p) => p.stepMs).filter((ms) => ms !== null).sort((a, b) => a - b);
    if (recent.length === 0) return '–';
    const seconds = ((model.run.steps - model.step) * recent[Math.floor(recent.length / 2)]) / 1000;
    return duration(seconds);
  }

  function duration(seconds) {
    if (seconds < 60) return `${Math.round(seconds)} s`;
    if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
    return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
  }

  function renderWorkers() {
    const body = $('worker-rows');
    const expected = model.run === null ? '' : ` of ${model.run.workers}`;
    const alive = model.workers.filter((w) => w.status !== 'lost').length;
    $('worker-count').textContent = `${alive}${expected}`;
    if (model.workers.length === 0) {
      body.replaceChildren(row([cell('waiting for workers…', '', 7)], 'empty'));
      return;
    }
    const now = Date.now() + model.clockOffset;
    body.replaceChildren(
      ...model.workers.map((worker) => {
        const age = Math.max(0, now - worker.lastMessageAt);
        const backend = worker.devices.length > 0 ? `${worker.backend} (${worker.devices.join(', ')})` : worker.backend;
        const state = document.createElement('span');
        state.className = `badge ${worker.status}`;
        state.textContent = worker.status;
        if (worker.lostReason !== null) state.title = worker.lostReason;
        const tr = row([
          cell(worker.rank === null ? '–' : String(worker.rank)),
          cell(worker.workerId),
          cell(`${worker.host} · pid ${worker.pid}`),
          cell(backend),
          cell(worker.stepMs === null ? '–' : `${worker.stepMs.toFixed(0)} ms`, 'num'),
          cell(worker.status === 'lost' || worker.status === 'done' ? '–' : `${(age / 1000).toFixed(1)} s ago`, age > STALE_AFTER_MS && worker.status === 'alive' ? 'num stale' : 'num'),
          cell(state),
        ]);
        tr.dataset.rank = worker.rank === null ? '' : String(worker.rank);
        tr.dataset.status = worker.status;
        return tr;
      }),
    );
  }

  function row(cells, className) {
    const tr = document.createElement('tr');
    if (className) tr.className = className;
    tr.append(...cells);
    return tr;
  }

  function cell(content, className, colSpan) {
    const td = document.createElement('td');
    if (className) td.className = className;
    if (colSpan) td.colSpan = colSpan;
    if (typeof content === 'string') td.textContent = content;
    else td.append(content);
    return td;
  }

  function renderSample() {
    const sample = model.sample;
    $('sample-empty').hidden = sample !== null;
    $('sample-link').hidden = sample === null;
    if (sample === null) return;
    $('sample-step').textContent = `step ${sample.step}`;
    const img = $('sample');
    if (img.getAttribute('src') !== sample.url) img.src = sample.url;
    $('sample-link').href = sample.url;
  }

  // ---- charts (uPlot) -------------------------------------------------------

  function phasesOf(points) {
    const phases = [];
    for (const point of points) for (const phase of Object.keys(point.losses)) if (!phases.includes(phase)) phases.push(phase);
    return phases;
  }

  function renderCharts() {
    const phases = phasesOf(model.points);
    if (charts.loss === null || phases.join('\u0000') !== charts.phases.join('\u0000')) createCharts(phases);
    const steps = model.points.map((p) => p.step);
    charts.loss.setData([steps, ...phases.map((phase) => model.points.map((p) => p.losses[phase] ?? null))]);
    charts.throughput.setData([steps, model.points.map((p) => p.samplesPerSecond)]);
  }

  function createCharts(phases) {
    charts.loss?.destroy();
    charts.throughput?.destroy();
    charts.phases = phases;
    const lossHost = $('loss-chart');
    const throughputHost = $('throughput-chart');
    const axes = (label) => [
      // Steps are whole numbers: ticks at 1, 2, 5 × powers of ten, never at 2.5.
      { label: 'step', stroke: '#6b7385', grid: { stroke: '#eef0f4' }, incrs: STEP_INCREMENTS },
      { label, stroke: '#6b7385', grid: { stroke: '#eef0f4' }, size: 60 },
    ];
    charts.loss = new uPlot(
      {
        width: lossHost.clientWidth || 600,
        height: 240,
        scales: { x: { time: false } },
        axes: axes('loss'),
        series: [
          { label: 'step' },
          ...phases.map((phase, i) => ({ label: phase, stroke: PHASE_COLOURS[i % PHASE_COLOURS.length], width: 2, spanGaps: true, value: (u, v) => (v == null ? '–' : v.toFixed(4)) })),
        ],
      },
      [[], ...phases.map(() => [])],
      lossHost,
    );
    charts.throughput = new uPlot(
      {
        width: throughputHost.clientWidth || 600,
        height: 200,
        scales: { x: { time: false } },
        axes: axes('samples/s'),
        series: [{ label: 'step' }, { label: 'samples/s', stroke: '#2b8a3e', fill: 'rgba(43, 138, 62, 0.08)', width: 2, spanGaps: true, value: (u, v) => (v == null ? '–' : v.toFixed(1)) }],
      },
      [[], []],
      throughputHost,
    );
  }

  new ResizeObserver(() => {
    if (charts.loss !== null) charts.loss.setSize({ width: $('loss-chart').clientWidth, height: 240 });
    if (charts.throughput !== null) charts.throughput.setSize({ width: $('throughput-chart').clientWidth, height: 200 });
  }).observe(document.querySelector('main'));

  // Ages tick between events.
  setInterval(() => {
    renderWorkers();
    if (model.status === 'training') $('eta').textContent = eta();
  }, 1000);
})();
