"""Task heads on top of convolutional features: what changes when a CNN does more than classify.

* `regression`: a linear head and regression losses (the tilt of a digit).
* `localization`: a class and one box per image, trained with a multitask loss.
* `detection`: YOLOv8 and RetinaNet through KerasCV / KerasHub, mAP.
* `sliding_window`: detection by a classifier slid over the image, the method before R-CNN,
  and the same classifier made fully convolutional (one pass).
* `regions`: RoI pooling and RoIAlign (Fast and Mask R-CNN).
* `anchors`: anchor boxes, matching, box encoding: a single-shot detector's targets.
* `ssd`: a single-shot detector written out: backbone, heads, focal loss, decoding.
* `segmentation`: U-Net, SegNet, DeepLabV3+, SegFormer; Dice loss, mean IoU.
* `instances`: instance segmentation by centre and offset heads; mask AP.
* `pose`: keypoints as heat maps.
* `restoration`: an encoder-decoder that repairs damaged images; PSNR.
* `generation`: a variational autoencoder, and generated images judged by a classifier.
* `style`: style transfer: Gram matrices, Gatys' optimisation, a one-pass stylizer.

Box geometry (IoU, NMS) shared with the data layer is in `nes2.boxes`.
"""
