"""Token counts for the training stage: the ``tokens_v1`` stage and the tokenizers it loads.

Trainers budget and mix data in tokens, so a run can count them with the tokenizer
the model will use (``n_tokens`` column). The heavy libraries (Hugging Face
``tokenizers``, ``tiktoken``) are imported only when a stage or an export needs them.
"""
