"""train_mlp_recipe.py — the recipe bench_train_memory.py and bench_train_substeps.py train: a
2-256-256-128-2 Tanh MLP (99,714 parameters), Adam(lr=0.001), CrossEntropyLoss, batches of 32 of
1024 shuffled xor samples, `steps` optimizer steps recorded every `every`-th."""


def mlp_recipe(steps, every):
    return {"format": "paramscope-recipe", "version": 3, "seed": 0, "root": "m", "ops": [
        {"op": "dataset", "id": "d", "type": "xor", "args": {"n": 1024}},
        {"op": "module", "id": "a", "type": "Linear", "args": {"in_features": 2, "out_features": 256}},
        {"op": "module", "id": "t", "type": "Tanh"},
        {"op": "module", "id": "b", "type": "Linear", "args": {"in_features": 256, "out_features": 256}},
        {"op": "module", "id": "c", "type": "Linear", "args": {"in_features": 256, "out_features": 128}},
        {"op": "module", "id": "e", "type": "Linear", "args": {"in_features": 128, "out_features": 2}},
        {"op": "module", "id": "m", "type": "Sequential", "children": ["a", "t", "b", "t", "c", "t", "e"]},
        {"op": "optimizer", "id": "o", "type": "Adam", "params": "m", "args": {"lr": 0.001}},
        {"op": "train", "model": "m", "optimizer": "o", "data": "d", "loss": {"type": "CrossEntropyLoss"},
         "batch_size": 32, "shuffle": True, "steps": steps, "record_every": every}]}
