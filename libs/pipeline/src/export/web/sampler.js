// Draws images from a model exported by `ganglion export`, in the browser,
// with TensorFlow.js (tf.min.js, loaded by index.html before this script).
//
// sampler.json says what the model is and how to drive it:
//   kind 'latent': model/ maps z ~ N(0, I) of `latentDim` values to an image
//                  (the DCGAN generator, the ConvVAE decoder);
//   kind 'rows':   model/ reads the rows drawn so far and predicts the
//                  probability of each pixel of the next row (the RowLSTM):
//                  images are written one row at a time.
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
 * `count` images written one row at a time: the model reads the rows drawn
 * so far (a zero row first) and predicts row t's pixel probabilities; each
 * pixel is then 1 with that probability ('bernoulli') or the probability
 * itself ('mean'). Returns a Float32Array, NHWC.
 */
async function drawRowByRow(model, info) {
  const [height, width, channels] = info.imageShape;
  const rowWidth = width * channels;
  const count = info.count;
  const images = new Float32Array(count * height * rowWidth);
  for (let t = 0; t < height; t++) {
    // The input sequence of every image: a zero row, then rows 0..t-1.
    const inputs = new Float32Array(count * (t + 1) * rowWidth);
    for (let i = 0; i < count; i++) {
      inputs.set(images.subarray(i * height * rowWidth, (i * height + t) * rowWidth), (i * (t + 1) + 1) * rowWidth);
    }
    const probabilities = tf.tidy(() => {
      const predicted = model.predict(tf.tensor3d(inputs, [count, t + 1, rowWidth]));
      return predicted.slice([0, t, 0], [count, 1, rowWidth]).dataSync();
    });
    for (let i = 0; i < count; i++) {
      for (let j = 0; j < rowWidth; j++) {
        const p = probabilities[i * rowWidth + j];
        images[(i * height + t) * rowWidth + j] = info.rowSampling === 'mean' ? p : Math.random() < p ? 1 : 0;
      }
    }
    await tf.nextFrame(); // let the page repaint between rows
  }
  return images;
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
