// Draws images from a model exported by `ganglion export`, in the browser,
// with TensorFlow.js (tf.min.js, loaded by index.html before this script).
//
// sampler.json says what the model is and how to drive it:
//   kind 'latent': model/ maps z ~ N(0, I) of `latentDim` values to an image
//                  (the DCGAN generator, the ConvVAE decoder);
//   kind 'rows':   model/ is a recurrent network that reads the rows drawn
//                  so far and predicts the probability of each pixel of the
//                  next row (the RowLSTM): images are written one row at a
//                  time, stepping the LSTM's cell as Ganglion's sampler does.
// Pixels come out in `pixelRange` ([-1, 1] for the DCGAN, [0, 1] otherwise).
//
// The page must be served over http (fetch cannot read file:// URLs), e.g.
//   python3 -m http.server --directory web/ 8000   (then open http://127.0.0.1:8000/)
'use strict';

/** Pixels of background between and around the images of the grid (as in Ganglion's PNG grids). */
const PADDING = 2;
/** Each image pixel is drawn as SCALE x SCALE canvas pixels. */
const SCALE = 4;

main();

async function main() {
  const button = document.getElementById('draw');
  const status = document.getElementById('status');
  const about = document.getElementById('about');
  const canvas = document.getElementById('grid');
  try {
    const response = await fetch('sampler.json');
    if (!response.ok) throw new Error(`sampler.json: HTTP ${response.status}`);
    const info = await response.json();
    const model = await tf.loadLayersModel('model/model.json');
    const how = info.kind === 'latent' ? `${info.network}, z ~ N(0, I) of ${info.latentDim} values` : `${info.network}, one row at a time`;
    about.textContent = `${info.model} (${how}) from pipeline ${info.pipeline}, step ${info.step}; TensorFlow.js backend ${tf.getBackend()}.`;
    button.addEventListener('click', async () => {
      button.disabled = true;
      document.body.dataset.state = 'drawing';
      status.textContent = `Drawing ${info.count} images…`;
      const started = performance.now();
      try {
        const pixels = info.kind === 'latent' ? drawFromLatents(model, info) : await drawRowByRow(model, info);
        paintGrid(canvas, pixels, info);
        document.body.dataset.draws = String(Number(document.body.dataset.draws) + 1);
        document.body.dataset.state = 'ready';
        status.textContent = `Drew ${info.count} images in ${Math.round(performance.now() - started)} ms.`;
      } catch (error) {
        fail(status, error);
      } finally {
        button.disabled = false;
      }
    });
    button.disabled = false;
    document.body.dataset.state = 'ready';
    status.textContent = 'Ready.';
  } catch (error) {
    about.textContent = 'Could not load the model.';
    fail(status, error);
  }
}

function fail(status, error) {
  document.body.dataset.state = 'error';
  status.textContent = `Error: ${error && error.message ? error.message : error}`;
  console.error(error);
}

/** `count` images from latent vectors z ~ N(0, I): a Float32Array, NHWC. */
function drawFromLatents(model, info) {
  return tf.tidy(() => model.predict(tf.randomNormal([info.count, info.latentDim])).dataSync());
}

/**
 * `count` images written one row at a time: the network reads the rows
 * drawn so far (a zero row first) and predicts the probability of each
 * pixel of the next row; each pixel is then 1 with that probability
 * ('bernoulli') or the probability itself ('mean'). Returns a Float32Array, NHWC.
 */
async function drawRowByRow(model, info) {
  const [height, width, channels] = info.imageShape;
  const rowWidth = width * channels;
  const count = info.count;
  const images = new Float32Array(count * height * rowWidth);
  const next = nextRowFunction(model, count, rowWidth);
  let previousRow = new Float32Array(count * rowWidth); // the zero row before row 0
  try {
    for (let t = 0; t < height; t++) {
      const probabilities = next(previousRow);
      const row = new Float32Array(count * rowWidth);
      for (let k = 0; k < row.length; k++) {
        row[k] = info.rowSampling === 'mean' ? probabilities[k] : Math.random() < probabilities[k] ? 1 : 0;
      }
      for (let i = 0; i < count; i++) images.set(row.subarray(i * rowWidth, (i + 1) * rowWidth), (i * height + t) * rowWidth);
      previousRow = row;
      await tf.nextFrame(); // let the page repaint between rows
    }
  } finally {
    next.dispose();
  }
  return images;
}

/**
 * A function previousRow -> probabilities of the next row, [count * rowWidth],
 * that advances the network's first layer (a recurrent layer: the
 * RowLSTM's LSTM) one row at a time through its cell, keeping its state,
 * and applies the layers after it to the cell's output: the same weights
 * and maths as the layer, `height` steps in all. `dispose()` frees the state.
 */
function nextRowFunction(model, count, rowWidth) {
  const [recurrent, ...rest] = model.layers;
  if (recurrent.cell === undefined) throw new Error(`The row network's first layer ${recurrent.name} is not recurrent; this page cannot step it.`);
  let state = [tf.zeros([count, recurrent.cell.units]), tf.zeros([count, recurrent.cell.units])];
  const next = (previousRow) => {
    const [probabilities, hidden, memory] = tf.tidy(() => {
      const [output, h, c] = recurrent.cell.call([tf.tensor2d(previousRow, [count, rowWidth]), state[0], state[1]], {});
      let y = output;
      for (const layer of rest) y = layer.apply(y);
      return [y, h, c];
    });
    tf.dispose(state);
    state = [hidden, memory];
    const values = probabilities.dataSync();
    probabilities.dispose();
    return values;
  };
  next.dispose = () => tf.dispose(state);
  return next;
}

/** Lays the images out in a grid, maps pixelRange to 0..255 and draws it on the canvas, scaled up. */
function paintGrid(canvas, pixels, info) {
  const [height, width, channels] = info.imageShape;
  const [low, high] = info.pixelRange;
  const columns = Math.ceil(Math.sqrt(info.count));
  const rows = Math.ceil(info.count / columns);
  const gridWidth = columns * width + (columns + 1) * PADDING;
  const gridHeight = rows * height + (rows + 1) * PADDING;
  const grid = new ImageData(gridWidth, gridHeight);
  for (let k = 3; k < grid.data.length; k += 4) grid.data[k] = 255; // opaque black background
  const toByte = (value) => Math.min(255, Math.max(0, Math.round(((value - low) / (high - low)) * 255)));
  for (let i = 0; i < info.count; i++) {
    const top = PADDING + Math.floor(i / columns) * (height + PADDING);
    const left = PADDING + (i % columns) * (width + PADDING);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const source = ((i * height + y) * width + x) * channels;
        const target = ((top + y) * gridWidth + left + x) * 4;
        for (let c = 0; c < 3; c++) grid.data[target + c] = toByte(pixels[source + (channels === 1 ? 0 : c)]);
      }
    }
  }
  const unscaled = document.createElement('canvas');
  unscaled.width = gridWidth;
  unscaled.height = gridHeight;
  unscaled.getContext('2d').putImageData(grid, 0, 0);
  canvas.width = gridWidth * SCALE;
  canvas.height = gridHeight * SCALE;
  const context = canvas.getContext('2d');
  context.imageSmoothingEnabled = false;
  context.drawImage(unscaled, 0, 0, canvas.width, canvas.height);
}
