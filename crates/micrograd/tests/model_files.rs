//! Saving and loading models: JSON round trips, safetensors read back, and errors for bad files.

use micrograd::data::{self, Standardizer};
use micrograd::io::{export_safetensors, load_json, save_json, SavedModel};
use micrograd::nn::{Activation, Module, MLP};
use micrograd::Graph;
use safetensors::tensor::{Dtype, SafeTensors};

/// An empty scratch directory for one test (`micrograd-NAME-XXXXXX` in the system's temporary
/// directory), removed when the returned guard is dropped, so at the end of the test, pass or fail.
fn temp_dir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("micrograd-{name}-"))
        .tempdir()
        .unwrap()
}

fn trained_like_model(g: &Graph) -> MLP<'_> {
    MLP::with_activations(
        g,
        3,
        &[
            (5, Activation::Tanh),
            (4, Activation::Relu),
            (2, Activation::Linear),
        ],
        11,
    )
}

#[test]
fn json_round_trip_gives_identical_predictions() {
    let dir = temp_dir("json");
    let path = dir.path().join("model.json");
    let g = Graph::new();
    let model = trained_like_model(&g);
    save_json(&model, &path).unwrap();
    let g2 = Graph::new();
    let back = load_json(&g2, &path).unwrap();
    assert_eq!(back.architecture(), model.architecture());
    assert_eq!(back.parameter_data(), model.parameter_data());
    let d = data::blobs(50, 1.0, 0);
    for x in d.rows() {
        let x3 = [x[0], x[1], x[0] * x[1]];
        assert_eq!(back.predict(&x3), model.predict(&x3));
    }
    // No temporary file left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    dir.close().unwrap();
}

#[test]
fn json_keeps_the_standardizer_and_applies_it() {
    let g = Graph::new();
    let model = MLP::new(&g, 2, &[3, 1], 2);
    let s = Standardizer {
        mean: vec![1.0, -2.0],
        std: vec![2.0, 0.5],
    };
    let saved = SavedModel::from_model(&model).with_standardizer(s.clone());
    let back = SavedModel::from_json(&saved.to_json().unwrap()).unwrap();
    assert_eq!(back.standardizer, Some(s));
    let g2 = Graph::new();
    let m2 = back.build(&g2);
    assert_eq!(back.predict(&m2, &[3.0, -1.0]), model.predict(&[1.0, 2.0]));
}

#[test]
fn json_file_has_format_version_architecture_and_weights() {
    let g = Graph::new();
    let model =
        MLP::from_parameters(&g, &"2-1(tanh)".parse().unwrap(), &[0.5, -0.25, 0.125]).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&SavedModel::from_model(&model).to_json().unwrap()).unwrap();
    assert_eq!(json["format"], "micrograd-mlp");
    assert_eq!(json["version"], 1);
    assert_eq!(json["inputs"], 2);
    assert_eq!(json["layers"][0]["activation"], "tanh");
    assert_eq!(
        json["layers"][0]["weight"],
        serde_json::json!([[0.5, -0.25]])
    );
    assert_eq!(json["layers"][0]["bias"], serde_json::json!([0.125]));
}

fn load_error(text: &str) -> String {
    SavedModel::from_json(text).unwrap_err().to_string()
}

#[test]
fn bad_json_files_say_what_is_wrong() {
    let g = Graph::new();
    let good = SavedModel::from_model(&MLP::new(&g, 2, &[2, 1], 0))
        .to_json()
        .unwrap();
    let truncated = &good[..good.len() / 2];
    assert!(
        load_error(truncated).contains("ends too early (truncated?)"),
        "{}",
        load_error(truncated)
    );
    assert_eq!(load_error(""), "the model file is empty");
    assert!(load_error("{ nope").contains("not valid JSON"));
    assert!(load_error("{\"a\": 1}").contains("no \"format\""));
    let other_version = good.replace("\"version\": 1", "\"version\": 9");
    assert_eq!(
        load_error(&other_version),
        "model file format version 9 is not supported (this build reads version 1)"
    );
    let ragged = good.replacen("\"inputs\": 2", "\"inputs\": 3", 1);
    assert!(
        load_error(&ragged)
            .contains("layer 1: weight row 1 has 2 numbers, but the layer has 3 inputs"),
        "{}",
        load_error(&ragged)
    );
    let bad_act = good.replacen("\"relu\"", "\"swish\"", 1);
    assert!(load_error(&bad_act).contains("layer 1: unknown activation `swish`"));
    let missing_layers = good.replacen("\"layers\"", "\"layerz\"", 1);
    assert!(
        load_error(&missing_layers).contains("malformed model file"),
        "{}",
        load_error(&missing_layers)
    );
}

#[test]
fn loading_into_a_model_of_another_architecture_is_an_error() {
    let g = Graph::new();
    let small = SavedModel::from_model(&MLP::new(&g, 2, &[8, 1], 0));
    let big = MLP::new(&g, 2, &[16, 16, 1], 0);
    let before = big.parameter_data();
    let err = small.load_into(&big).unwrap_err().to_string();
    assert_eq!(
        err,
        "the file holds a 2-8(relu)-1(linear) model, but this model is 2-16(relu)-16(relu)-1(linear)"
    );
    assert_eq!(big.parameter_data(), before);
    let same = MLP::new(&g, 2, &[8, 1], 5);
    small.load_into(&same).unwrap();
    assert_eq!(same.parameter_data(), small.parameters);
}

#[test]
fn a_missing_file_is_an_error_naming_it() {
    let err = SavedModel::load("/nonexistent/model.json")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("/nonexistent/model.json: cannot read the model file"),
        "{err}"
    );
}

#[test]
fn safetensors_export_reads_back_as_pytorch_state_dict() {
    let dir = temp_dir("safetensors");
    let path = dir.path().join("model.safetensors");
    let g = Graph::new();
    let model = MLP::new(&g, 2, &[16, 16, 1], 3);
    export_safetensors(&model, &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let st = SafeTensors::deserialize(&bytes).unwrap();
    let mut names = st.names();
    names.sort_unstable();
    assert_eq!(
        names,
        vec!["0.bias", "0.weight", "2.bias", "2.weight", "4.bias", "4.weight"]
    );
    let w = st.tensor("2.weight").unwrap();
    assert_eq!((w.dtype(), w.shape()), (Dtype::F64, &[16usize, 16][..]));
    let as_f64 = |name: &str| -> Vec<f64> {
        st.tensor(name)
            .unwrap()
            .data()
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect()
    };
    // PyTorch's Linear: weight[i][j] is neuron i's weight for input j; bias[i] neuron i's bias.
    let w0 = as_f64("0.weight");
    let b0 = as_f64("0.bias");
    for (i, n) in model.layers()[0].neurons().iter().enumerate() {
        assert_eq!(w0[2 * i], n.weights()[0].data());
        assert_eq!(w0[2 * i + 1], n.weights()[1].data());
        assert_eq!(b0[i], n.bias().data());
    }
    let (_, meta) = SafeTensors::read_metadata(&bytes).unwrap();
    let meta = meta.metadata().as_ref().unwrap();
    assert_eq!(meta["architecture"], "2-16(relu)-16(relu)-1(linear)");

    let back = SavedModel::load_safetensors(&path).unwrap();
    assert_eq!(back.parameters, model.parameter_data());
    let g2 = Graph::new();
    assert_eq!(
        back.build(&g2).predict(&[0.1, 0.2]),
        model.predict(&[0.1, 0.2])
    );
    dir.close().unwrap();
}

#[test]
fn truncated_or_foreign_safetensors_are_errors() {
    let g = Graph::new();
    let bytes = SavedModel::from_model(&MLP::new(&g, 2, &[4, 1], 0))
        .to_safetensors()
        .unwrap();
    let err = SavedModel::from_safetensors(&bytes[..bytes.len() - 10])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("not a readable safetensors file (truncated?)"),
        "{err}"
    );
    let err = SavedModel::from_safetensors(&bytes[..5])
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a readable safetensors file"), "{err}");
    let foreign = safetensors::serialize(
        vec![(
            "w",
            safetensors::tensor::TensorView::new(Dtype::F64, vec![1], &[0u8; 8]).unwrap(),
        )],
        None,
    )
    .unwrap();
    let err = SavedModel::from_safetensors(&foreign)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no `architecture` metadata"), "{err}");
}

#[test]
fn non_finite_parameters_are_not_saved() {
    let g = Graph::new();
    let model = MLP::new(&g, 2, &[2, 1], 0);
    model.parameters()[1].set_data(f64::NAN);
    let err = SavedModel::from_model(&model)
        .to_json()
        .unwrap_err()
        .to_string();
    assert_eq!(err, "parameter 1 is NaN, not a finite number");
}

mod fuzz {
    use micrograd::io::SavedModel;
    use micrograd::nn::MLP;
    use micrograd::Graph;
    use proptest::prelude::*;

    fn good_files() -> (String, Vec<u8>) {
        let g = Graph::new();
        let saved = SavedModel::from_model(&MLP::new(&g, 2, &[3, 1], 0));
        (saved.to_json().unwrap(), saved.to_safetensors().unwrap())
    }

    proptest! {
        /// Cut or corrupted model files are errors, never panics.
        #[test]
        fn damaged_files_are_errors_not_panics(cut in 0usize..2000, at in 0usize..2000, byte in any::<u8>()) {
            let (json, st) = good_files();
            let json_cut = &json.as_bytes()[..cut.min(json.len())];
            if let Ok(text) = std::str::from_utf8(json_cut) {
                let _ = SavedModel::from_json(text);
            }
            let mut corrupted = json.clone().into_bytes();
            let i = at % corrupted.len();
            corrupted[i] = byte;
            if let Ok(text) = std::str::from_utf8(&corrupted) {
                if let Ok(m) = SavedModel::from_json(text) {
                    let g = Graph::new();
                    let _ = m.build(&g).predict(&vec![0.5; m.architecture.inputs]);
                }
            }
            let _ = SavedModel::from_safetensors(&st[..cut.min(st.len())]);
            let mut st2 = st.clone();
            let j = at % st2.len();
            st2[j] = byte;
            if let Ok(m) = SavedModel::from_safetensors(&st2) {
                let g = Graph::new();
                let _ = m.build(&g).predict(&vec![0.5; m.architecture.inputs]);
            }
        }

        /// Any text is a model or an error.
        #[test]
        fn any_text_is_a_model_or_an_error(text in "\\PC{0,200}") {
            let _ = SavedModel::from_json(&text);
        }
    }

    #[test]
    fn huge_architectures_are_refused_without_allocating() {
        let json = r#"{"format": "micrograd-mlp", "version": 1, "inputs": 18446744073709551615, "layers": [{"outputs": 18446744073709551615, "activation": "relu", "weight": [], "bias": []}]}"#;
        assert!(SavedModel::from_json(json).is_err());
    }
}
